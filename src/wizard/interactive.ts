export interface Interactivity {
  interactive: boolean;
  /** Set when not interactive: "--yes was given", "stdin is not a terminal", "CI is set". */
  reason?: string;
}

type Stream = { isTTY?: boolean };

/**
 * The non-interactive rule: --yes, no TTY on stdin, or CI set means never prompt. Nor when
 * neither stderr nor stdout is a terminal: the questions would be invisible (`init 2>log`).
 */
export function interactivity(
  yes: boolean,
  stdin: Stream = process.stdin,
  env: NodeJS.ProcessEnv = process.env,
  outputs: readonly Stream[] = [process.stderr, process.stdout],
): Interactivity {
  if (yes) return { interactive: false, reason: '--yes was given' };
  const ci = env.CI;
  if (ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0') {
    return { interactive: false, reason: 'CI is set' };
  }
  if (stdin.isTTY !== true) return { interactive: false, reason: 'stdin is not a terminal' };
  if (!outputs.some((o) => o.isTTY === true)) {
    return { interactive: false, reason: 'neither stderr nor stdout is a terminal' };
  }
  return { interactive: true };
}
