import { join, relative } from 'node:path';
import { type Clock, systemClock } from '../../adapters/clock.js';
import { exists } from '../../adapters/files.js';
import { type Capture, capture as realCapture } from '../../adapters/process.js';
import { inquirerPrompt, type Prompt } from '../../adapters/prompt.js';
import { type Interrupt, interruptOnSignals } from '../../adapters/signals.js';
import { caseRedactor } from '../../ansible/case.js';
import { ansibleEnvWarnings } from '../../ansible/env.js';
import type { AnsibleCase } from '../../ansible/run.js';
import { withSshControl } from '../../ansible/ssh-control.js';
import { failureDetails, runJournalFields, successLine } from '../../ansible/summary.js';
import { type JournalEntry, journal } from '../../case/journal.js';
import { readState, type TeardownRecord, writeSection } from '../../case/state.js';
import type { GlobalOptions } from '../../cli.js';
import { type LoadedCase, loadCase } from '../../config/load.js';
import { FailureError, InterruptedError, UserError } from '../../errors.js';
import { discoverHooks, type HookEvent } from '../../hooks/discover.js';
import { type HookContext, type HookRunSummary, runHooks } from '../../hooks/run.js';
import { checkoutPath } from '../../playbook/pin.js';
import { removeLocalSecrets } from '../../teardown/local.js';
import {
  confirmationMatches,
  localSecrets,
  planLines,
  type TeardownPlan,
  teardownPlan,
} from '../../teardown/plan.js';
import {
  PLAYBOOKS_DIR,
  removeServer,
  type ServerRunContext,
  serverCommands,
  serverRemoved,
  stopDecision,
  stopServices,
} from '../../teardown/server.js';
import type { Output } from '../../ui/output.js';
import { processTerminal, type Terminal } from '../../ui/terminal.js';
import { interactivity } from '../../wizard/interactive.js';
import { killGrace } from '../deploy/run.js';
import type { TeardownOptions } from './command.js';

export interface TeardownRequest {
  opts: TeardownOptions;
  globals: GlobalOptions;
  out: Output;
  terminal?: Terminal;
  capture?: Capture;
  env?: NodeJS.ProcessEnv;
  interrupt?: Interrupt;
  clock?: Clock;
  prompt?: Prompt;
  /** Overrides the non-interactive rule (tests). */
  interactive?: boolean;
  /** Overrides playbook-hooks/ (tests). */
  shippedHooksDir?: string;
}

type StepResult = 'ok' | 'failed' | 'skipped' | 'interrupted';

/** The --json summary. */
interface Summary {
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

export async function runTeardown(req: TeardownRequest): Promise<void> {
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
  const state = await readState(paths.state);
  const plan = await teardownPlan({ domain, address: config.server.address, paths, checkout: checkoutDir });
  const rel = (p: string) => relative(paths.root, p) || '.';
  const name = commandName(opts);

  // A torn-down case: nothing to do, and nothing is touched (exit 0: the wanted state holds).
  if (state.teardown?.local === 'removed' && plan.local.remove.length === 0) {
    const t = state.teardown;
    out.info(
      `the case ${domain} was already torn down at ${t.at} (server: ${t.server === 'removed' ? 'wiped' : 'skipped with --local-only'}); nothing left to remove.`,
    );
    if (t.server === 'skipped') {
      out.info('if the server still exists, delete it at your provider.');
    }
    if (globals.json) out.data(JSON.stringify({ ok: true, already_torn_down: true, ...t }, null, 2));
    return;
  }

  if (!opts.localOnly) {
    if (!(await exists(paths.hosts))) {
      throw new UserError(`the case has no inventory (${paths.hosts} is missing): cannot reach the server`, {
        hint: 'run "matrix-oob init" in this case folder to write it; if the server no longer exists, use --local-only.',
      });
    }
    if (!(await exists(paths.knownHosts))) {
      throw new UserError(`the server's SSH host key is not pinned (${paths.knownHosts} is missing)`, {
        hint: 'run "matrix-oob trust-host" first (host-key checking is never turned off); if the server no longer exists, use --local-only.',
      });
    }
  }

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
        });

  if (opts.dryRun) {
    const stop = await decideStop();
    await dryRun(req, {
      loaded,
      plan,
      caseCtx,
      stopRuns: stop.run,
      stopReason: stop.run ? undefined : stop.reason,
    });
    await journal(paths.journal, { command: name, result: 'dry-run' }, undefined, clock);
    return;
  }

  await confirm(req, domain, env);
  const stop = await decideStop();

  const redactor = await caseRedactor(paths);
  for (const w of ansibleEnvWarnings(env)) out.warn(w);
  const interrupt = req.interrupt ?? interruptOnSignals();
  const summary: Summary = {
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

      // The local secrets: looked up again now, so nothing written meanwhile is missed.
      const serverStatus = opts.localOnly ? 'skipped' : 'removed';
      const items = await localSecrets(paths, checkoutDir);
      let removed: string[];
      try {
        removed = await removeLocalSecrets(items, paths);
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        await writeTeardown(paths.state, clock, serverStatus, 'kept');
        await record({ stage: 'local', result: 'failed', message: e.message });
        throw new FailureError(
          `cannot remove the local secrets: ${e.code ?? 'error'} on ${e.path ?? e.message}${opts.localOnly ? '' : ' (the server part is done)'}`,
          { hint: `fix the cause, then finish with: matrix-oob teardown --local-only --confirm ${domain}` },
        );
      }
      summary.removed = removed.map(rel);
      out.info(
        removed.length > 0
          ? `==> local secrets removed: ${summary.removed.join(', ')}`
          : '==> local secrets: none left to remove',
      );
      await writeTeardown(paths.state, clock, serverStatus, 'removed');
      await record({ stage: 'local', result: 'ok', removed: summary.removed });

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
}

/** One journal line of this run (the command name is added). */
type JournalFn = (entry: Partial<JournalEntry> & Pick<JournalEntry, 'result'>) => Promise<void>;

async function stopStage(
  stop: { run: boolean; reason?: string },
  caseCtx: AnsibleCase,
  ctx: ServerRunContext,
  out: Output,
  record: JournalFn,
  summary: Summary,
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

async function removeStage(
  plan: TeardownPlan,
  caseCtx: AnsibleCase,
  ctx: ServerRunContext,
  out: Output,
  record: JournalFn,
  summary: Summary,
  json: boolean,
): Promise<void> {
  out.info(
    `==> remove everything on the server: ${plan.server.base}/bin/remove-all, then check ${plan.server.base} is gone`,
  );
  const r = await removeServer(caseCtx, ctx);
  summary.logs.push(r.logFile);
  const gone = serverRemoved(r, plan.server.host);
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
    if (json) out.data(JSON.stringify(summary, null, 2));
    throw new FailureError(`removing the server's data failed: nothing was removed locally`, {
      details: [
        ...(r.exitCode === 0 ? [`the run did not reach ${plan.server.host} (no recap for it)`] : []),
        ...failureDetails(r),
      ],
      hint: `${r.hint ? `${r.hint.hint} ` : ''}The local secrets are kept (a retry needs them): fix this and run "matrix-oob teardown" again. If the server no longer exists (deleted at the provider), run "matrix-oob teardown --local-only".`,
    });
  }
  summary.server = 'removed';
  out.info(`${successLine('teardown', r)}\nthe server's data folder ${plan.server.base} is gone`);
}

async function writeTeardown(
  path: string,
  clock: Clock,
  server: TeardownRecord['server'],
  local: TeardownRecord['local'],
): Promise<void> {
  const record: TeardownRecord = { at: clock.now().toISOString(), server, local };
  await writeSection(path, 'teardown', record);
}

/** The typed domain name: --confirm, or asked on a terminal; never assumed. */
async function confirm(req: TeardownRequest, domain: string, env: NodeJS.ProcessEnv): Promise<void> {
  let typed = req.opts.confirm;
  if (typed === undefined) {
    const how = interactivity(req.globals.yes, process.stdin, env);
    const interactive = req.interactive ?? how.interactive;
    if (!interactive) {
      throw new UserError(
        `teardown needs the domain name typed out, and cannot ask (${how.reason ?? 'not interactive'}): nothing was removed`,
        { hint: `pass --confirm ${domain} to confirm from a script.` },
      );
    }
    const prompt = req.prompt ?? inquirerPrompt();
    typed = await prompt.input({
      name: 'confirm',
      message: `Type the domain name (${domain}) to destroy this server and its secrets:`,
    });
  }
  if (!confirmationMatches(typed, domain)) {
    throw new UserError(
      `the confirmation does not match the domain ${domain}: teardown aborted, nothing was removed`,
      {
        hint: `type the case's domain exactly (${domain}), or pass --confirm ${domain}.`,
      },
    );
  }
}

async function dryRun(
  req: TeardownRequest,
  d: {
    loaded: LoadedCase;
    plan: TeardownPlan;
    caseCtx: AnsibleCase;
    stopRuns: boolean;
    stopReason: string | undefined;
  },
): Promise<void> {
  const { out, opts } = req;
  const colour = (req.terminal ?? processTerminal()).colour;
  const commands = opts.localOnly ? [] : serverCommands(d.caseCtx, d.stopRuns, colour);
  const hooks: Record<string, string[]> = {};
  for (const event of ['pre-teardown', 'post-teardown'] as HookEvent[]) {
    const found = await discoverHooks(event, {
      caseHooksDir: d.loaded.paths.hooksDir,
      ...(req.shippedHooksDir ? { shippedDir: req.shippedHooksDir } : {}),
      skip: opts.skipHook,
    });
    hooks[event] = found.hooks.map((h) => h.path);
  }
  const rel = (p: string) => relative(d.loaded.paths.root, p) || '.';
  if (req.globals.json) {
    out.data(
      JSON.stringify(
        {
          dry_run: true,
          domain: d.plan.domain,
          data_folder: d.plan.server.base,
          stop: d.stopRuns ? 'run' : `skipped: ${d.stopReason}`,
          commands,
          remove: d.plan.local.remove.map((i) => rel(i.path)),
          keep: d.plan.local.keep.map((i) => rel(i.path)),
          hooks,
        },
        null,
        2,
      ),
    );
    return;
  }
  out.info('');
  out.info('dry run: nothing is changed. It would run, in order:');
  const lines: string[] = [];
  for (const h of hooks['pre-teardown'] ?? []) lines.push(`# pre-teardown hook\n${h}`);
  if (!opts.localOnly && !d.stopRuns) lines.push(`# stop the services: skipped (${d.stopReason})`);
  if (!opts.localOnly) {
    const [first, second] = commands;
    if (d.stopRuns && first) lines.push(`# stop the services\n${first}`);
    const remove = d.stopRuns ? second : first;
    if (remove)
      lines.push(`# remove everything on the server, check ${d.plan.server.base} is gone\n${remove}`);
  }
  lines.push(
    `# remove the local secrets\n${d.plan.local.remove.length ? d.plan.local.remove.map((i) => `rm -rf ${i.path}`).join('\n') : '# (none left)'}`,
  );
  for (const h of hooks['post-teardown'] ?? []) lines.push(`# post-teardown hook\n${h}`);
  for (const l of lines) out.data(l);
}

function commandName(opts: TeardownOptions): string {
  const parts = ['teardown'];
  if (opts.localOnly) parts.push('--local-only');
  if (opts.dryRun) parts.push('--dry-run');
  for (const h of opts.skipHook) parts.push(`--skip-hook ${h}`);
  return parts.join(' ');
}
