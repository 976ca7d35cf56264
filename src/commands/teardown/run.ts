import { join, relative, resolve } from 'node:path';
import { systemClock } from '../../adapters/clock.js';
import { exists } from '../../adapters/files.js';
import { capture as realCapture } from '../../adapters/process.js';
import type { Prompt } from '../../adapters/prompt.js';
import { interruptOnSignals } from '../../adapters/signals.js';
import { caseRedactor } from '../../ansible/case.js';
import { ansibleEnvWarnings } from '../../ansible/env.js';
import { killGrace } from '../../ansible/kill-grace.js';
import type { AnsibleCase } from '../../ansible/run.js';
import { withSshControl } from '../../ansible/ssh-control.js';
import { journal } from '../../case/journal.js';
import { withCaseLock } from '../../case/lock.js';
import { readState } from '../../case/state.js';
import { loadCase } from '../../config/load.js';
import { fallbackServers } from '../../config/servers.js';
import { FailureError, InterruptedError, UserError } from '../../errors.js';
import { checkSkipNames } from '../../hooks/discover.js';
import { type HookContext, type HookRunSummary, runHooks } from '../../hooks/run.js';
import { checkoutPath } from '../../playbook/pin.js';
import { confirmTeardown } from '../../teardown/confirm.js';
import { teardownDryRun } from '../../teardown/dry-run.js';
import { planLines, teardownPlan, unsafeBase } from '../../teardown/plan.js';
import {
  PLAYBOOKS_DIR,
  requireServerAccess,
  type ServerRunContext,
  stopDecision,
} from '../../teardown/server.js';
import {
  type JournalFn,
  localStage,
  removeStage,
  stopStage,
  type TeardownSummary,
  writeTeardown,
} from '../../teardown/stages.js';
import { processTerminal } from '../../ui/terminal.js';
import type { PlaybookRunIo } from '../context.js';
import type { TeardownOptions } from './command.js';
import { alreadyTornDown, commandName, teardownNext } from './lines.js';

export interface TeardownRequest extends PlaybookRunIo {
  opts: TeardownOptions;
  prompt?: Prompt;
  /** Overrides the non-interactive rule (tests). */
  interactive?: boolean;
  /** Overrides playbook-hooks/ (tests). */
  shippedHooksDir?: string;
}

/** One command per case at a time (src/case/lock.ts); --dry-run changes nothing and needs none. */
export async function runTeardown(req: TeardownRequest): Promise<void> {
  if (req.opts.dryRun) return teardownLocked(req);
  await withCaseLock(resolve(req.globals.case), commandName(req.opts), () => teardownLocked(req));
}

async function teardownLocked(req: TeardownRequest): Promise<void> {
  const { out, opts, globals } = req;
  const clock = req.clock ?? systemClock;
  const env = req.env ?? process.env;
  const capture = req.capture ?? realCapture;
  const loaded = await loadCase(globals.case);
  for (const w of loaded.warnings) out.warn(w);
  const { config, paths } = loaded;
  const domain = config.domain;
  const checkoutDir = checkoutPath(loaded);
  const checkout = (await exists(join(checkoutDir, 'setup.yml'))) ? checkoutDir : undefined;
  if (opts.only !== undefined) {
    const { runTeardownOnly } = await import('./only.js');
    return runTeardownOnly({ ...req, loaded, checkout, checkoutDir });
  }
  await checkSkipNames(opts.skipHook, ['pre-teardown', 'post-teardown'], {
    caseHooksDir: paths.hooksDir,
    ...(req.shippedHooksDir ? { shippedDir: req.shippedHooksDir } : {}),
  });
  const state = await readState(paths.state);
  const fallbacks = fallbackServers(config).map((s) => ({ host: s.hostName, address: s.server.address }));
  const plan = await teardownPlan({
    domain,
    address: config.server.address,
    paths,
    checkout: checkoutDir,
    fallbacks,
  });
  const rel = (p: string) => relative(paths.root, p) || '.';
  const name = commandName(opts);

  // A torn-down case: nothing to do, and nothing is touched (exit 0: the wanted state holds).
  if (state.teardown?.local === 'removed' && plan.local.remove.length === 0) {
    alreadyTornDown(state.teardown, domain, out, globals.json);
    return;
  }

  const unsafe = opts.localOnly ? undefined : unsafeBase(plan.server.base);
  if (unsafe) {
    throw new UserError(
      `matrix_base_data_path is ${plan.server.base} in vars.yml: teardown deletes that folder on the server, and ${unsafe}; nothing was removed`,
      { hint: "set it to the playbook's own folder (/matrix by default), or remove the line." },
    );
  }
  if (!opts.localOnly) await requireServerAccess(paths, config);

  const terminal = req.terminal ?? processTerminal();
  // The checkout is the working directory, so MDAD's ansible.cfg applies as in deploy; without
  // one, playbooks/ (its ansible.cfg: pipelining, quiet interpreter discovery).
  const caseCtx: AnsibleCase = { paths, checkout: checkout ?? PLAYBOOKS_DIR };
  for (const line of planLines(plan, paths.root, opts.localOnly)) out.info(line);
  if (!(await exists(paths.vars)) && !opts.localOnly) {
    out.warn(
      `${rel(paths.vars)} is missing: assuming the server's data folder is ${plan.server.base} (matrix_base_data_path is unknown)`,
    );
  }
  if (!state.deploy) {
    out.info('');
    out.info('note: this case was never deployed; the server part removes whatever a partial install left.');
  }
  const decideStop = () =>
    opts.localOnly
      ? Promise.resolve({ run: false, reason: '--local-only' } as const)
      : stopDecision({
          checkout,
          checkoutDir,
          hosts: paths.hosts,
          knownHosts: paths.knownHosts,
          env,
          capture,
          cacheFile: paths.tagsCache,
        });

  if (opts.dryRun) {
    const stop = await decideStop();
    await teardownDryRun({
      out,
      json: globals.json,
      colour: terminal.colour,
      localOnly: opts.localOnly,
      skipHook: opts.skipHook,
      ...(req.shippedHooksDir ? { shippedHooksDir: req.shippedHooksDir } : {}),
      loaded,
      plan,
      caseCtx,
      stopRuns: stop.run,
      stopReason: stop.run ? undefined : stop.reason,
    });
    await journal(paths.journal, { command: name, result: 'dry-run' }, undefined, clock);
    return;
  }

  await confirmTeardown(
    {
      typed: opts.confirm,
      yes: globals.yes,
      env,
      ...(req.interactive !== undefined ? { interactive: req.interactive } : {}),
      ...(req.prompt ? { prompt: req.prompt } : {}),
    },
    domain,
  );
  const stop = await decideStop();

  const redactor = await caseRedactor(paths, checkoutDir);
  for (const w of ansibleEnvWarnings(env, caseCtx.checkout)) out.warn(w);
  const interrupt = req.interrupt ?? interruptOnSignals();
  const summary: TeardownSummary = {
    ok: false,
    domain,
    server: opts.localOnly ? 'skipped' : 'failed',
    stop: 'skipped',
    data_folder: plan.server.base,
    removed: [],
    kept: plan.local.keep.map((i) => rel(i.path)),
    logs: [],
    hooks_failed: [],
  };
  const record: JournalFn = (entry) => journal(paths.journal, { ...entry, command: name }, redactor, clock);
  const started = clock.monotonic();

  try {
    await withSshControl(async (controlDir) => {
      const hookCtx: HookContext = {
        loaded,
        ...(checkout ? { checkout } : {}),
        terminal,
        redactor,
        out,
        signal: interrupt.signal,
        env,
        skip: opts.skipHook,
        clock,
        controlDir,
        ...(req.shippedHooksDir ? { shippedDir: req.shippedHooksDir } : {}),
        command: 'teardown',
      };
      // A failing pre-teardown hook stops the teardown: nothing has been removed yet.
      try {
        await runHooks('pre-teardown', hookCtx);
      } catch (err) {
        if (!(err instanceof FailureError)) throw err;
        throw new FailureError(`${err.message}; teardown stopped, nothing was removed`, {
          details: err.details,
          hint:
            err.hint ??
            'fix the hook, or skip it with --skip-hook NAME, and run "matrix-oob teardown" again.',
        });
      }

      if (!opts.localOnly) {
        const ctx: ServerRunContext = {
          terminal,
          redactor,
          signal: interrupt.signal,
          forceSignal: interrupt.force,
          env,
          clock,
          ...(killGrace(env) ? { killGraceMs: killGrace(env) } : {}),
          controlDir,
        };
        summary.stop = await stopStage(stop, caseCtx, ctx, out, record, summary);
        if (summary.stop === 'interrupted' || interrupt.signal.aborted) {
          summary.server = 'interrupted';
          throw new InterruptedError(
            'interrupted while stopping the services; nothing was removed, the local secrets are kept. Run "matrix-oob teardown" again.',
          );
        }
        await removeStage(plan, caseCtx, ctx, out, record, summary, globals.json);
      } else {
        out.info('==> server: skipped (--local-only)');
        await record({ stage: 'remove', result: 'skipped', reason: '--local-only' });
      }

      if (interrupt.signal.aborted) {
        // The server part completed; the local secrets are no longer needed, but the user asked to stop.
        await writeTeardown(paths.state, clock, opts.localOnly ? 'skipped' : 'removed', 'kept');
        await record({ stage: 'local', result: 'interrupted' });
        throw new InterruptedError(
          `interrupted after the server part finished; the local secrets are still there. Finish with: matrix-oob teardown --local-only --confirm ${domain}`,
        );
      }

      const serverStatus = opts.localOnly ? 'skipped' : 'removed';
      const local = await localStage({
        paths,
        checkout: checkoutDir,
        redactor,
        clock,
        serverStatus,
        localOnly: opts.localOnly,
        domain,
        record,
        rel,
      });
      summary.removed = local.removed;
      if (local.secretsInRecord.length > 0) {
        out.warn(
          `a known secret was said in the recorded chat (${local.secretsInRecord.join(', ')}): the record is evidence and is kept as it is; ${serverStatus === 'removed' ? 'the secret is useless now that the server is gone' : 'the server was left alone (--local-only): if it still runs, change that secret there'}`,
        );
      }
      out.info(
        summary.removed.length > 0
          ? `==> local secrets removed: ${summary.removed.join(', ')}`
          : '==> local secrets: none left to remove',
      );
      await writeTeardown(paths.state, clock, serverStatus, 'removed');
      await record({
        stage: 'local',
        result: 'ok',
        removed: summary.removed,
        ...(local.secretsInRecord.length > 0 ? { secrets_in_record: local.secretsInRecord } : {}),
      });

      // runHooks warns about a failing post-teardown hook; the teardown itself has happened.
      const post: HookRunSummary = await runHooks('post-teardown', hookCtx);
      summary.hooks_failed = post.failed.map((f) => f.hook.name);
    }, capture);
  } finally {
    if (!req.interrupt) interrupt.dispose();
  }

  summary.ok = true;
  await record({
    stage: 'teardown',
    result: 'ok',
    server: summary.server,
    duration_ms: Math.round(clock.monotonic() - started),
    ...(summary.hooks_failed.length ? { hooks_failed: summary.hooks_failed } : {}),
  });
  if (globals.json) out.data(JSON.stringify(summary, null, 2));
  out.info(
    `teardown finished: ${opts.localOnly ? 'local secrets removed (server skipped)' : `the server's data is gone and the local secrets removed`}. The case record stays in ${paths.root} (journal.jsonl, logs/).`,
  );
  for (const line of await (await import('../../record/heads.js')).headLines(paths.root, paths.journal))
    out.info(line);
  out.info(teardownNext(config));
}
