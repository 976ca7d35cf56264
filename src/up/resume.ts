import { ExitError, FailureError, InterruptedError, UserError } from '../errors.js';
import { nextCommand } from '../ui/next.js';
import { shellQuote } from '../ui/shell.js';
import { STEP_NAMES, type UpStepName } from './steps.js';

/** The flags of this `up` that the next one needs to go on the same way. */
export interface UpFlags {
  yes: boolean;
  json: boolean;
  fingerprint?: string | undefined;
  dnsTimeout: string;
  dnsInterval: string;
  skipDnsCheck: boolean;
  skipHook: readonly string[];
  ansibleArgs: readonly string[];
}

/**
 * The exact command that resumes this case: the case folder spelled out (so it works from any
 * folder, and never starts a new wizard), and the original flags (--config is not needed once
 * the case exists; --from-start would undo the resume).
 */
export function resumeCommand(root: string, f: UpFlags): string {
  const flags: string[] = [];
  if (f.yes) flags.push('--yes');
  if (f.json) flags.push('--json');
  if (f.fingerprint) flags.push('--fingerprint', f.fingerprint);
  if (f.dnsTimeout !== '30m') flags.push('--dns-timeout', f.dnsTimeout);
  if (f.dnsInterval !== '10s') flags.push('--dns-interval', f.dnsInterval);
  if (f.skipDnsCheck) flags.push('--skip-dns-check');
  for (const h of f.skipHook) flags.push('--skip-hook', h);
  const base = nextCommand('up', root, ...flags);
  return f.ansibleArgs.length > 0 ? `${base} -- ${f.ansibleArgs.map(shellQuote).join(' ')}` : base;
}

export function position(name: UpStepName): string {
  return `${STEP_NAMES.indexOf(name) + 1}/${STEP_NAMES.length}`;
}

/** The error of a failed step, with where `up` stopped and the command that goes on. */
export function stoppedAt(
  name: UpStepName,
  err: unknown,
  o: { interrupted: boolean; resume: string; data: Record<string, unknown> },
): unknown {
  const { resume, data } = o;
  const line = `up stopped at step ${name} (${position(name)}); the "next:" command resumes it (finished steps are skipped)`;
  if (o.interrupted) {
    const why = err instanceof Error ? err.message : String(err);
    return new InterruptedError(
      `up interrupted at step ${name} (${position(name)}): ${why.replace(/ Resume with: .*$/, '')}. Resume with: ${resume}`,
      resume,
    );
  }
  const info = { next: resume, data };
  if (err instanceof FailureError)
    return new FailureError(err.message, { hint: err.hint, details: [...err.details, line], ...info });
  if (err instanceof UserError) {
    return new UserError(err.message, {
      hint: err.hint,
      exitCode: err.exitCode,
      details: [...err.details, line],
      ...info,
      data: { ...(err.data ?? {}), ...data },
    });
  }
  if (err instanceof ExitError)
    return new FailureError(`step ${name} failed (see above)`, { details: [line], ...info });
  return err;
}
