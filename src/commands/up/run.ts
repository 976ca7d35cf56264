import { join, resolve } from 'node:path';
import { type Clock, systemClock } from '../../adapters/clock.js';
import { exists } from '../../adapters/files.js';
import { type Capture, capture as realCapture } from '../../adapters/process.js';
import { type Interrupt, interruptOnSignals } from '../../adapters/signals.js';
import { caseRedactor } from '../../ansible/case.js';
import { withSshControl } from '../../ansible/ssh-control.js';
import { checkExtraArgs } from '../../ansible/summary.js';
import { journal } from '../../case/journal.js';
import { CONFIG_FILE } from '../../case/paths.js';
import type { GlobalOptions } from '../../cli.js';
import { caseAccounts } from '../../config/accounts.js';
import { type LoadedCase, loadCase, loadConfigFile } from '../../config/load.js';
import { HOMESERVERS_WITH_REGISTER_USER } from '../../config/validators.js';
import { MIN_ANSIBLE_CORE, MIN_COMMUNITY_DOCKER } from '../../doctor/toolchain.js';
import { ExitCode, ExitError, FailureError, InterruptedError, UserError } from '../../errors.js';
import type { HookEvent } from '../../hooks/discover.js';
import { checkoutPath } from '../../playbook/pin.js';
import { normaliseFingerprint } from '../../ssh/fingerprint.js';
import { colourEnabled } from '../../ui/colour.js';
import type { Output } from '../../ui/output.js';
import { canPrompt } from '../../ui/prompts.js';
import { processTerminal, type Terminal } from '../../ui/terminal.js';
import { gatherCard, renderCard } from '../../up/card.js';
import {
  hookFailures,
  planRun,
  readUpState,
  recordFinished,
  recordStep,
  STEP_NAMES,
  UP_STEPS,
  type UpStepName,
} from '../../up/steps.js';
import { looksLikeVersion } from '../../util/version-compare.js';
import { skipDnsRequested } from '../deploy/dns-gate.js';
import { chooseCaseDir } from '../init/case-dir.js';
import type { UpOptions } from './command.js';

export interface UpRequest {
  opts: UpOptions;
  ansibleArgs: string[];
  globals: GlobalOptions;
  /** --case (or MATRIX_OOB_CASE) was given, rather than the default ".". */
  caseExplicit: boolean;
  out: Output;
  terminal?: Terminal;
  capture?: Capture;
  env?: NodeJS.ProcessEnv;
  interrupt?: Interrupt;
  clock?: Clock;
  /** Whether prompts are possible (default: a terminal and no --yes). */
  interactive?: boolean;
}

/** What a step reports back: a note for the progress line, or post-hook failures. */
interface Outcome {
  /** Nothing to do (e.g. "present: <path>"): journaled as skipped, recorded as finished. */
  skipped?: string;
  note?: string;
  failedHooks?: string[];
}

interface StepResult {
  step: UpStepName;
  result: 'ok' | 'skipped' | 'failed' | 'interrupted';
  note?: string;
  failed_hooks?: string[];
}

/**
 * `matrix-oob up`: every step from an empty folder to a usable server, in order (docs/up.md),
 * each one the library function of its own command. Progress is recorded per step in
 * state.json, so after a failure the next `up` skips what finished.
 */
export async function runUp(req: UpRequest): Promise<void> {
  const { opts, out } = req;
  const env = req.env ?? process.env;
  const clock = req.clock ?? systemClock;
  const capture = req.capture ?? realCapture;
  const colour = colourEnabled(process.stderr, env);
  const interactive = req.interactive ?? (!req.globals.yes && canPrompt());

  // Every flag is checked before anything is written or run.
  checkExtraArgs(req.ansibleArgs);
  const { duration } = await import('../dns/run.js');
  const wait = {
    timeoutMs: duration(opts.dnsTimeout, '--dns-timeout'),
    intervalMs: duration(opts.dnsInterval, '--dns-interval'),
  };
  const fingerprint = checkFingerprint(opts.fingerprint);
  const versions = doctorMinimums(env);
  const skipDns = skipDnsRequested(opts.skipDnsCheck, env);
  // The steps' own --json output stays off: `up` prints one document at the end.
  const sub = (root: string): GlobalOptions => ({ ...req.globals, json: false, case: root });

  // Step 1: the case. Everything after it needs one.
  const where = await locateCase(req);
  if (where.needsInit && !where.configFile && !interactive) {
    throw new UserError(`no case in ${where.root}, and no terminal to run the wizard on`, {
      hint: 'give the config: matrix-oob up --config FILE --yes --fingerprint SHA256:... (see docs/up.md), or point --case at an existing case.',
    });
  }
  if (!fingerprint && !interactive && !(await exists(join(where.root, 'known_hosts')))) {
    throw new UserError(
      "without a terminal, up needs the server's SSH host key fingerprint to pin it: --fingerprint",
      {
        hint: 'get it out of band (provider console, or on the server: ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) and pass --fingerprint SHA256:...; nothing was written.',
      },
    );
  }
  let root = where.root;
  const initStarted = performance.now();
  if (where.needsInit) {
    out.info(`==> ${label('init')}`);
    const { runInit } = await import('../init/run.js');
    const r = await runInit({
      caseDir: where.caseDirArg,
      opts: { dryRun: false, ...(where.configFile ? { config: where.configFile } : {}) },
      globals: sub(root),
      out,
      embedded: true,
    });
    root = r.root;
  } else {
    out.info(`==> ${label('init')}: the case in ${root} has its inventory, skipping`);
    if (opts.config && where.configFile !== join(root, CONFIG_FILE)) {
      out.info(
        `    note: the case exists, so --config is not read again; to change the case, run "matrix-oob init --config ${opts.config}" first.`,
      );
    }
  }

  let loaded = await loadCase(root);
  const { paths } = loaded;
  const last = await readUpState(paths.state);
  const run = planRun(last, { fromStart: opts.fromStart, now: clock.now().toISOString() });
  if (run.resume) {
    out.info(
      `resuming the run started ${run.state.started_at}: its finished steps are skipped (--from-start runs everything again)`,
    );
  }
  const results: StepResult[] = [];
  const record = async (step: UpStepName, result: StepResult, ms: number, error?: string) => {
    results.push(result);
    const status =
      result.result === 'failed' ? 'failed' : result.result === 'interrupted' ? 'interrupted' : 'finished';
    await recordStep(
      paths.state,
      run.state,
      step,
      { status, ...(result.failed_hooks?.length ? { failed_hooks: result.failed_hooks } : {}) },
      clock,
    );
    await journal(
      paths.journal,
      {
        command: 'up',
        stage: step,
        result: result.result,
        duration_ms: Math.round(ms),
        ...(result.note ? { note: result.note } : {}),
        ...(result.failed_hooks?.length ? { failed_hooks: result.failed_hooks } : {}),
        ...(error ? { error } : {}),
      },
      await caseRedactor(paths),
      clock,
    );
  };
  await record(
    'init',
    where.needsInit ? { step: 'init', result: 'ok' } : { step: 'init', result: 'skipped', note: 'present' },
    performance.now() - initStarted,
  );

  const interrupt = req.interrupt ?? interruptOnSignals();
  const terminal = req.terminal ?? processTerminal();
  const step = async (name: UpStepName, body: () => Promise<Outcome | undefined>): Promise<void> => {
    if (run.skip.has(name)) {
      out.info(`==> ${label(name)}: finished in the run being resumed, skipping`);
      results.push({ step: name, result: 'skipped', note: 'finished earlier' });
      await journal(
        paths.journal,
        { command: 'up', stage: name, result: 'skipped', note: 'finished in the run being resumed' },
        undefined,
        clock,
      );
      return;
    }
    if (interrupt.signal.aborted) {
      throw new InterruptedError(
        `up interrupted before step ${name} (${position(name)}); nothing of it ran. Resume with: matrix-oob up`,
      );
    }
    out.info(`==> ${label(name)}`);
    const started = performance.now();
    try {
      const o = (await body()) ?? {};
      if (o.skipped) out.info(`    ${o.skipped}, skipping`);
      else if (o.note) out.info(`    ${o.note}`);
      await record(
        name,
        {
          step: name,
          result: o.skipped ? 'skipped' : 'ok',
          ...(o.skipped || o.note ? { note: o.skipped ?? o.note } : {}),
          ...(o.failedHooks?.length ? { failed_hooks: o.failedHooks } : {}),
        },
        performance.now() - started,
      );
    } catch (err) {
      const interrupted = err instanceof InterruptedError || interrupt.signal.aborted;
      await record(
        name,
        { step: name, result: interrupted ? 'interrupted' : 'failed' },
        performance.now() - started,
        err instanceof Error ? err.message : String(err),
      ).catch(() => undefined);
      if (req.globals.json) {
        out.data(
          JSON.stringify({ ok: false, case_dir: paths.root, stopped_at: name, steps: results }, null, 2),
        );
      }
      throw stoppedAt(name, err, interrupted);
    }
  };

  try {
    await step('dns', async () => {
      if (skipDns) {
        out.warn(
          'DNS check skipped (--skip-dns-check or MATRIX_OOB_SKIP_DNS_CHECK): if a record is missing, the certificates cannot be issued and the server will not be reachable.',
        );
        return { skipped: 'skipped on request' };
      }
      return waitForRecords(loaded, {
        ...wait,
        env,
        signal: interrupt.signal,
        out,
        colour,
        timeoutText: opts.dnsTimeout,
      });
    });

    await step('playbook', async () => {
      const checkout = checkoutPath(loaded);
      if (await exists(join(checkout, 'setup.yml'))) return { skipped: `present: ${checkout}` };
      const { runFetch } = await import('../playbook/fetch.js');
      await runFetch({ flags: {}, globals: sub(root), out, capture, env });
      loaded = await loadCase(root); // fetch records the checkout in matrix-oob.yml
      return undefined;
    });

    await step('host-key', async () => {
      if (!fingerprint && (await exists(paths.knownHosts)))
        return { skipped: `present: ${paths.knownHosts}` };
      const { runTrustHost } = await import('../trust-host/run.js');
      await runTrustHost({
        flags: fingerprint ? { fingerprint } : {},
        globals: sub(root),
        out,
        capture,
        env,
        interactive,
      });
      return undefined;
    });

    await step('doctor', async () => {
      const { runDoctor } = await import('../../doctor/index.js');
      const { renderTable } = await import('../../doctor/report.js');
      const { report, redactor } = await runDoctor({
        caseDir: root,
        capture,
        env,
        ...versions,
        sshTimeoutSec: 10,
      });
      if (!report.ok) {
        out.info(redactor.redact(renderTable(report, colour)));
        throw new FailureError(
          `doctor found ${report.counts.fail} problem${report.counts.fail === 1 ? '' : 's'} (FAIL above): nothing was changed on the server`,
          { hint: 'fix each FAIL as its line says; "matrix-oob doctor" re-checks on its own.' },
        );
      }
      if (report.counts.warn > 0) {
        out.info(redactor.redact(renderTable(report, colour)));
        return { note: `passed with ${report.counts.warn} warning${report.counts.warn === 1 ? '' : 's'}` };
      }
      return { note: `all ${report.counts.pass} checks passed` };
    });

    const hooks = async (event: HookEvent): Promise<Outcome> => {
      const { runHooks } = await import('../../hooks/run.js');
      const current = await loadCase(root);
      const redactor = await caseRedactor(paths);
      const summary = await withSshControl(
        (controlDir) =>
          runHooks(event, {
            loaded: current,
            checkout: checkoutPath(current),
            terminal,
            redactor,
            out,
            signal: interrupt.signal,
            env,
            skip: opts.skipHook,
            clock,
            controlDir,
            command: 'up',
          }),
        capture,
      );
      if (summary.outcomes.length === 0) return { note: 'no hooks to run' };
      const failed = summary.failed.map((o) => o.hook.name);
      if (failed.length > 0) {
        // runHooks has warned about each; the card lists them again at the end.
        return {
          failedHooks: failed,
          note: `${failed.length} of ${summary.outcomes.length} failed: ${failed.join(', ')}`,
        };
      }
      return { note: `${summary.outcomes.length} hook${summary.outcomes.length === 1 ? '' : 's'} ran` };
    };

    const stage = async (name: 'setup' | 'start'): Promise<undefined> => {
      const { runDeploy } = await import('../deploy/run.js');
      await runDeploy({
        opts: { stage: name, full: false, dryRun: false, fromStart: false },
        ansibleArgs: req.ansibleArgs,
        globals: sub(root),
        out,
        terminal,
        capture,
        env,
        interrupt,
        clock,
        dnsChecked: true,
      });
      return undefined;
    };

    await step('pre-setup', () => hooks('pre-setup'));
    await step('setup', () => stage('setup'));
    await step('post-setup', () => hooks('post-setup'));
    await step('start', () => stage('start'));
    await step('post-start', () => hooks('post-start'));
    await step('users', async () => {
      const { config } = loaded;
      if (caseAccounts(config).length === 0) return { skipped: 'no users in the config' };
      if (!HOMESERVERS_WITH_REGISTER_USER.includes(config.homeserver)) {
        out.warn(
          `homeserver ${config.homeserver} has no register-user task: create the users with its own tools`,
        );
        return { skipped: `not supported for ${config.homeserver}` };
      }
      const { runUserAdd } = await import('../user/run.js');
      await runUserAdd({
        name: undefined,
        ansibleArgs: req.ansibleArgs,
        opts: { admin: false, all: true, reset: false, showPassword: false },
        globals: sub(root),
        out,
        terminal,
        capture,
        env,
        interrupt,
        clock,
      });
      return undefined;
    });
    await step('post-users', () => hooks('post-users'));
  } finally {
    if (!req.interrupt) interrupt.dispose();
  }

  await recordFinished(paths.state, run.state, clock);
  const card = await gatherCard(loaded.config, paths, hookFailures(run.state));
  await journal(
    paths.journal,
    {
      command: 'up',
      result: 'ok',
      hook_failures: card.hook_failures.map((f) => `${f.event}/${f.hook}`),
      users: card.users.filter((u) => u.credentials).map((u) => u.name),
      control_room: card.control_room?.room_id ?? null,
    },
    undefined,
    clock,
  );
  out.info(renderCard(card, colour));
  if (req.globals.json) {
    out.data(JSON.stringify({ ok: true, case_dir: paths.root, steps: results, summary: card }, null, 2));
  }
}

function position(name: UpStepName): string {
  return `${STEP_NAMES.indexOf(name) + 1}/${STEP_NAMES.length}`;
}

function label(name: UpStepName): string {
  const spec = UP_STEPS.find((s) => s.name === name)!;
  return `up [${position(name)}] ${spec.title}`;
}

/** The error of a failed step, with where `up` stopped and how to go on. */
function stoppedAt(name: UpStepName, err: unknown, interrupted: boolean): unknown {
  const resume = `up stopped at step ${name} (${position(name)}); run "matrix-oob up" again to resume: finished steps are skipped`;
  if (interrupted) {
    const why = err instanceof Error ? err.message : String(err);
    return new InterruptedError(
      `up interrupted at step ${name} (${position(name)}): ${why}. Resume with: matrix-oob up`,
    );
  }
  if (err instanceof FailureError)
    return new FailureError(err.message, { hint: err.hint, details: [...err.details, resume] });
  if (err instanceof UserError) {
    return new UserError(err.message, {
      hint: err.hint,
      exitCode: err.exitCode,
      details: [...err.details, resume],
    });
  }
  if (err instanceof ExitError)
    return new FailureError(`step ${name} failed (see above)`, { details: [resume] });
  return err;
}

/** Where the case is, and whether `init` must make it (docs/up.md, "Which case"). */
async function locateCase(
  req: UpRequest,
): Promise<{ root: string; needsInit: boolean; configFile?: string; caseDirArg?: string }> {
  const hasCase = async (dir: string) =>
    (await exists(join(dir, CONFIG_FILE))) && (await exists(join(dir, 'inventory', 'hosts')));
  if (req.opts.config) {
    const loaded = await loadConfigFile(req.opts.config);
    const caseDirArg = req.caseExplicit ? resolve(req.globals.case) : undefined;
    const root = chooseCaseDir(caseDirArg, loaded.file, loaded.config);
    return {
      root,
      needsInit: !(await hasCase(root)),
      configFile: loaded.file,
      ...(caseDirArg ? { caseDirArg } : {}),
    };
  }
  const root = resolve(req.globals.case);
  if (await exists(join(root, CONFIG_FILE))) {
    return { root, needsInit: !(await hasCase(root)), configFile: join(root, CONFIG_FILE), caseDirArg: root };
  }
  // The wizard: init decides where, unless --case says so.
  return { root, needsInit: true, ...(req.caseExplicit ? { caseDirArg: root } : {}) };
}

async function waitForRecords(
  loaded: LoadedCase,
  o: {
    timeoutMs: number;
    intervalMs: number;
    env: NodeJS.ProcessEnv;
    signal: AbortSignal;
    out: Output;
    colour: boolean;
    timeoutText: string;
  },
): Promise<Outcome> {
  const { caseDnsCheck, renderReport, verdictLine } = await import('../../dns/index.js');
  const { liveProgress } = await import('../dns/run.js');
  const progress = liveProgress(process.stderr, o.out);
  let report: Awaited<ReturnType<typeof caseDnsCheck>>['report'];
  try {
    ({ report } = await caseDnsCheck(loaded.config, {
      env: o.env,
      signal: o.signal,
      note: (t) => o.out.info(`    ${t}`),
      wait: { timeoutMs: o.timeoutMs, intervalMs: o.intervalMs, onRound: progress.round },
    }));
  } catch (err) {
    if (o.signal.aborted) throw new InterruptedError('stopped waiting for DNS');
    throw err;
  } finally {
    progress.stop();
  }
  if (!report.ready) {
    o.out.info(renderReport(report, o.colour));
    throw new UserError(`DNS is still not ready after ${o.timeoutText}: nothing was changed on the server`, {
      exitCode: ExitCode.NOT_READY,
      hint: 'fix the records shown above (each problem names its fix); --dns-timeout waits longer.',
    });
  }
  if (report.findings.some((f) => f.level !== 'info')) o.out.info(renderReport(report, o.colour));
  return { note: verdictLine(report, o.colour) };
}

function checkFingerprint(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const fp = normaliseFingerprint(text);
  if (!fp) {
    throw new UserError(`--fingerprint: "${text}" is not a SHA256 fingerprint`, {
      hint: 'give it as ssh-keygen -lf prints it, e.g. --fingerprint SHA256:mNVRx/T8TaQ+SADYQkQgfCDYprc9uLu4wwOfHgow4k0.',
    });
  }
  return fp;
}

/** doctor's minimum versions: MATRIX_OOB_MIN_ANSIBLE_CORE / _COMMUNITY_DOCKER, as for `doctor`. */
function doctorMinimums(env: NodeJS.ProcessEnv): { minAnsibleCore: string; minCommunityDocker: string } {
  const pick = (name: string, fallback: string) => {
    const v = env[name];
    if (v === undefined || v === '') return fallback;
    if (!looksLikeVersion(v))
      throw new UserError(`${name}: "${v}" is not a version`, { hint: 'write it like 2.15.1.' });
    return v;
  };
  return {
    minAnsibleCore: pick('MATRIX_OOB_MIN_ANSIBLE_CORE', MIN_ANSIBLE_CORE),
    minCommunityDocker: pick('MATRIX_OOB_MIN_COMMUNITY_DOCKER', MIN_COMMUNITY_DOCKER),
  };
}
