export interface Interactivity {
  interactive: boolean;
  /** Set when not interactive: "--yes was given", "stdin is not a terminal", "CI is set". */
  reason?: string;
}

/** The non-interactive rule: --yes, no TTY on stdin, or CI set means never prompt. */
export function interactivity(
  yes: boolean,
  stdin: { isTTY?: boolean } = process.stdin,
  env: NodeJS.ProcessEnv = process.env,
): Interactivity {
  if (yes) return { interactive: false, reason: '--yes was given' };
  const ci = env.CI;
  if (ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0') {
    return { interactive: false, reason: 'CI is set' };
  }
  if (stdin.isTTY !== true) return { interactive: false, reason: 'stdin is not a terminal' };
  return { interactive: true };
}
