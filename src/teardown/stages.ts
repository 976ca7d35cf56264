import { dirname } from 'node:path';
import type { Clock } from '../adapters/clock.js';
import type { AnsibleCase } from '../ansible/run.js';
import { failureDetails, runJournalFields, successLine } from '../ansible/summary.js';
import type { JournalEntry } from '../case/journal.js';
import type { CasePaths } from '../case/paths.js';
import { type TeardownRecord, writeSection } from '../case/state.js';
import { FailureError, InterruptedError } from '../errors.js';
import { recordPaths } from '../record/paths.js';
import type { Redactor } from '../secrets/redact.js';
import type { Output } from '../ui/output.js';
import { removeLocalSecrets, scanForSecrets } from './local.js';
import { localSecrets, type TeardownPlan } from './plan.js';
import { removeServer, type ServerRunContext, serverRemoved, stopServices } from './server.js';

export type StepResult = 'ok' | 'failed' | 'skipped' | 'interrupted';

/** The --json summary of a teardown. */
export interface TeardownSummary {
  ok: boolean;
  domain: string;
  server: 'removed' | 'skipped' | 'failed' | 'interrupted';
  stop: StepResult;
  data_folder: string;
  removed: string[];
  kept: string[];
  logs: string[];
  hooks_failed: string[];
}

/** One journal line of this run (the command name is added). */
export type JournalFn = (entry: Partial<JournalEntry> & Pick<JournalEntry, 'result'>) => Promise<void>;

/** MDAD `setup.yml --tags=stop`, unless the checkout cannot (remove-all stops them itself). */
export async function stopStage(
  stop: { run: boolean; reason?: string },
  caseCtx: AnsibleCase,
  ctx: ServerRunContext,
  out: Output,
  record: JournalFn,
  summary: TeardownSummary,
): Promise<StepResult> {
  if (!stop.run) {
    out.info(`==> stop the services: skipped (${stop.reason}); remove-all stops them itself`);
    await record({ stage: 'stop', result: 'skipped', reason: stop.reason });
    return 'skipped';
  }
  out.info('==> stop the services: setup.yml --tags=stop');
  const r = await stopServices(caseCtx, ctx);
  summary.logs.push(r.logFile);
  const result: StepResult = r.interrupted ? 'interrupted' : r.exitCode === 0 ? 'ok' : 'failed';
  await record({ stage: 'stop', ...runJournalFields(r), result });
  if (result === 'failed') {
    out.warn(
      `stopping the services failed (${r.failure?.message.split('\n')[0] ?? `exit ${r.exitCode}`}); going on: remove-all stops them itself. Log: ${r.logFile}`,
    );
  } else if (result === 'ok') {
    out.info(successLine('stop', r));
  }
  return result;
}

/** playbooks/teardown.yml: remove-all, then the check that the data folder is gone. */
export async function removeStage(
  plan: TeardownPlan,
  caseCtx: AnsibleCase,
  ctx: ServerRunContext,
  out: Output,
  record: JournalFn,
  summary: TeardownSummary,
  json: boolean,
): Promise<void> {
  out.info(
    `==> remove everything on the server: ${plan.server.base}/bin/remove-all, then check ${plan.server.base} is gone`,
  );
  const r = await removeServer(caseCtx, ctx);
  summary.logs.push(r.logFile);
  // Every server of the case: the main one and each fallback (docs/fallback.md).
  const hosts = [plan.server.host, ...(plan.server.fallbacks ?? []).map((f) => f.host)];
  const gone = hosts.every((h) => serverRemoved(r, h));
  const result: StepResult = r.interrupted ? 'interrupted' : gone ? 'ok' : 'failed';
  await record({ stage: 'remove', ...runJournalFields(r), result, data_folder: plan.server.base });
  if (r.interrupted) {
    summary.server = 'interrupted';
    throw new InterruptedError(
      `interrupted while removing the server's data (it may be partly removed); the local secrets are kept. Log: ${r.logFile}. Run "matrix-oob teardown" again to finish.`,
    );
  }
  if (!gone) {
    summary.server = 'failed';
    // --json: the summary rides in the one failure document (docs/exit-codes.md).
    throw new FailureError(`removing the server's data failed: nothing was removed locally`, {
      ...(json ? { data: { ...summary } } : {}),
      details: [
        ...(r.exitCode === 0
          ? [`the run did not reach ${hosts.filter((h) => !r.recap[h]).join(', ')} (no recap)`]
          : []),
        ...failureDetails(r),
      ],
      hint: `${r.hint ? `${r.hint.hint} ` : ''}The local secrets are kept (a retry needs them): fix this and run "matrix-oob teardown" again. If the server no longer exists (deleted at the provider), run "matrix-oob teardown --local-only".`,
    });
  }
  summary.server = 'removed';
  out.info(`${successLine('teardown', r)}\nthe server's data folder ${plan.server.base} is gone`);
}

export async function writeTeardown(
  path: string,
  clock: Clock,
  server: TeardownRecord['server'],
  local: TeardownRecord['local'],
): Promise<void> {
  const record: TeardownRecord = { at: clock.now().toISOString(), server, local };
  await writeSection(path, 'teardown', record);
}

/** What the local part removed, and the recorded files that hold a known secret (kept). */
export interface LocalOutcome {
  removed: string[];
  secretsInRecord: string[];
}

/**
 * The local part: remove the secrets (looked up again now, so nothing written meanwhile is
 * missed), then scan what is left of the case for any known secret value before saying
 * "removed". Paths returned are relative.
 */
export async function localStage(input: {
  paths: CasePaths;
  checkout: string | undefined;
  redactor: Redactor;
  clock: Clock;
  serverStatus: TeardownRecord['server'];
  localOnly: boolean;
  domain: string;
  record: JournalFn;
  rel: (p: string) => string;
}): Promise<LocalOutcome> {
  const { paths, clock, serverStatus, record, rel } = input;
  const finish = `matrix-oob teardown --local-only --confirm ${input.domain}`;
  const items = await localSecrets(paths, input.checkout);
  // What the recorder stored and the transcript made of it (record/, but the recorder's own
  // secrets in record/recorder/, removed below) is evidence: a secret said in the chat is
  // reported, never a reason to edit the record (scanned once: teardown writes nothing there).
  const recorded = recordPaths(paths.root);
  const inRecord = await scanForSecrets(recorded.root, input.redactor, [recorded.secrets]);
  const notScanned = [recorded.root, ...(input.checkout ? [input.checkout] : [])];
  const skip = [...items.map((i) => i.path), dirname(paths.hostVarsDir), ...notScanned];
  // Before removing anything: a secret elsewhere in the case (a pasted note, an old log) stops
  // the teardown while the secrets are still here to look for (a retry scans again).
  const elsewhere = await scanForSecrets(paths.root, input.redactor, skip);
  if (elsewhere.length > 0) {
    await writeTeardown(paths.state, clock, serverStatus, 'kept');
    await record({ stage: 'local', result: 'failed', secrets_left_in: elsewhere.map(rel) });
    throw new FailureError(
      `a known secret is also in ${elsewhere.length} other file(s) of the case folder: nothing was removed locally`,
      {
        details: elsewhere.map(rel),
        hint: `these are not files matrix-oob keeps secrets in: look at them, delete them (or the secret in them), then finish with: ${finish}`,
      },
    );
  }
  let removed: string[];
  try {
    removed = await removeLocalSecrets(items, paths);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    await writeTeardown(paths.state, clock, serverStatus, 'kept');
    await record({ stage: 'local', result: 'failed', message: e.message });
    throw new FailureError(
      `cannot remove the local secrets: ${e.code ?? 'error'} on ${e.path ?? e.message}${input.localOnly ? '' : ' (the server part is done)'}`,
      { hint: `fix the cause, then finish with: ${finish}` },
    );
  }
  // And after: nothing written meanwhile still holds one.
  const left = await scanForSecrets(paths.root, input.redactor, notScanned);
  if (left.length > 0) {
    await writeTeardown(paths.state, clock, serverStatus, 'kept');
    await record({ stage: 'local', result: 'failed', secrets_left_in: left.map(rel) });
    throw new FailureError(`a known secret is still in ${left.length} file(s) of the case folder`, {
      details: left.map(rel),
      hint: `delete them (or the secret in them), then finish with: ${finish}`,
    });
  }
  return { removed: removed.map(rel), secretsInRecord: inRecord.map(rel) };
}
