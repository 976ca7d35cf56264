import { type RecordToCreate, recordsText } from '../../dns/zone-file.js';
import { FailureError, UserError } from '../../errors.js';
import { nextCommand } from '../../ui/next.js';
import type { Output } from '../../ui/output.js';

/** How to go on when the records are not (or cannot be) seen: wait, or skip the check. */
export function skipHint(caseRoot: string | undefined): string {
  const wait = caseRoot ? nextCommand('dns check --wait', caseRoot) : 'matrix-oob dns check --wait';
  const up = caseRoot ? nextCommand('up', caseRoot, '--skip-dns-check') : 'matrix-oob up --skip-dns-check';
  return `create or fix the records above at the DNS provider, then "${wait}" waits until they are published; if you know they are right (e.g. this network intercepts DNS), go on without the check: "${up}" (deploy takes --skip-dns-check too).`;
}

/**
 * The check could not run (e.g. the network intercepts DNS): the records to create, and the way
 * on (--skip-dns-check), in the output and in the --json failure document.
 */
export function cannotSee(
  err: unknown,
  needed: RecordToCreate[],
  domain: string,
  caseRoot: string | undefined,
  out: Output,
  command: 'up' | 'deploy' = 'up',
): unknown {
  if (!(err instanceof UserError)) return err;
  for (const line of recordsText(needed, domain)) out.info(line);
  const hint = `${err.hint ? `${err.hint.replace(/\.$/, '')}; or ` : ''}${skipHint(caseRoot)}`;
  const next = caseRoot ? nextCommand(command, caseRoot, '--skip-dns-check') : undefined;
  const info = { hint, details: err.details, next, data: { records_to_create: needed } };
  return err instanceof FailureError
    ? new FailureError(err.message, info)
    : new UserError(err.message, { ...info, exitCode: err.exitCode });
}
