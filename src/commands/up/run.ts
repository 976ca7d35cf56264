import { join } from 'node:path';
import { systemClock } from '../../adapters/clock.js';
import { exists } from '../../adapters/files.js';
import { capture as realCapture } from '../../adapters/process.js';
import { interruptOnSignals } from '../../adapters/signals.js';
import { checkExtraArgs } from '../../ansible/summary.js';
import { journal } from '../../case/journal.js';
import { withCaseLock } from '../../case/lock.js';
import { CONFIG_FILE } from '../../case/paths.js';
import { loadCase } from '../../config/load.js';
import { ExitCode, ExitError, FailureError, UserError } from '../../errors.js';
import { checkSkipNames } from '../../hooks/discover.js';
import { checkoutPath } from '../../playbook/pin.js';
import { colourEnabled } from '../../ui/colour.js';
import { nextCommand } from '../../ui/next.js';
import { canPrompt } from '../../ui/prompts.js';
import { processTerminal } from '../../ui/terminal.js';
import { gatherCard, renderCard } from '../../up/card.js';
import { label, StepRunner } from '../../up/engine.js';
import { resumeCommand } from '../../up/resume.js';
import { hookFailures, planRun, readUpState, recordFinished } from '../../up/steps.js';
import type { GlobalOptions, PlaybookRunIo } from '../context.js';
import { skipDnsRequested } from '../deploy/dns-gate.js';
import {
  deployStep,
  doctorStep,
  hooksStep,
  hostKeyStep,
  playbookStep,
  type StepContext,
  usersStep,
} from './bodies.js';
import type { UpOptions } from './command.js';
import { checkFingerprint, doctorMinimums, locateCase, waitForRecords } from './prepare.js';

export interface UpRequest extends PlaybookRunIo {
  opts: UpOptions;
  ansibleArgs: string[];
  /** --case (or MATRIX_OOB_CASE) was given, rather than the default ".". */
  caseExplicit: boolean;
  /** Whether prompts are possible (default: a terminal and no --yes). */
  interactive?: boolean;
}

/**
 * `matrix-oob up`: every step from an empty folder to a usable server, in order (docs/up.md),
 * each one the library function of its own command. Progress is recorded per step in
 * state.json, so after a failure the next `up` skips what finished. Ends with the summary card,
 * which says whether the server was checked from outside (exit 4 when that check failed).
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
  const { duration, interval } = await import('../dns/run.js');
  const wait = {
    timeoutMs: duration(opts.dnsTimeout, '--dns-timeout'),
    intervalMs: interval(opts.dnsInterval, '--dns-interval'),
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
  await checkSkipNames(opts.skipHook, ['pre-setup', 'post-setup', 'post-start', 'post-users'], {
    caseHooksDir: join(where.root, 'hooks'),
  });
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

  // From here on the case is locked for the whole run (its steps, the DNS wait included), so no
  // other command can change or tear down the case between two steps.
  await withCaseLock(root, 'up', async () => {
    const loaded = await loadCase(root);
    const { paths } = loaded;
    const run = planRun(await readUpState(paths.state), {
      fromStart: opts.fromStart,
      now: clock.now().toISOString(),
    });
    if (run.resume) {
      out.info(
        `resuming the run started ${run.state.started_at}: its finished steps are skipped (--from-start runs everything again)`,
      );
    }
    const flags = {
      yes: req.globals.yes,
      json: req.globals.json,
      fingerprint,
      dnsTimeout: opts.dnsTimeout,
      dnsInterval: opts.dnsInterval,
      skipDnsCheck: skipDns,
      skipHook: opts.skipHook,
      ansibleArgs: req.ansibleArgs,
    };
    const resume = resumeCommand(paths.root, flags);
    const interrupt = req.interrupt ?? interruptOnSignals();
    const steps = new StepRunner({
      paths,
      checkout: checkoutPath(loaded),
      state: run.state,
      skip: run.skip,
      out,
      clock,
      signal: interrupt.signal,
      resume,
      // The DNS check could not run at all (e.g. an intercepting network): waiting will not help,
      // going on without it will (the records to create are printed with the error).
      wayOn: (step, err) =>
        step === 'dns' && err instanceof FailureError
          ? resumeCommand(paths.root, { ...flags, skipDnsCheck: true })
          : undefined,
    });
    await steps.record(
      'init',
      where.needsInit ? { step: 'init', result: 'ok' } : { step: 'init', result: 'skipped', note: 'present' },
      performance.now() - initStarted,
    );

    const c: StepContext = {
      root,
      loaded,
      globals: sub(root),
      out,
      terminal: req.terminal ?? processTerminal(),
      capture,
      env,
      interrupt,
      clock,
      ansibleArgs: req.ansibleArgs,
      interactive,
      skipHooks: opts.skipHook,
    };
    try {
      await steps.run('dns', async () => {
        if (skipDns) {
          out.warn(
            'DNS check skipped (--skip-dns-check or MATRIX_OOB_SKIP_DNS_CHECK): if a record is missing, the certificates cannot be issued and the server will not be reachable.',
          );
          return { skipped: 'skipped on request' };
        }
        return waitForRecords(c.loaded, {
          ...wait,
          env,
          signal: interrupt.signal,
          out,
          colour,
          timeoutText: opts.dnsTimeout,
        });
      });
      await steps.run('playbook', () => playbookStep(c));
      await steps.run('host-key', () => hostKeyStep(c, fingerprint));
      await steps.run('doctor', () => doctorStep(c, versions, colour));
      await steps.run('pre-setup', () => hooksStep(c, 'pre-setup'));
      await steps.run('setup', () => deployStep(c, 'setup'));
      await steps.run('post-setup', () => hooksStep(c, 'post-setup'));
      await steps.run('start', () => deployStep(c, 'start'));
      await steps.run('post-start', () => hooksStep(c, 'post-start'));
      await steps.run('users', () => usersStep(c));
      await steps.run('post-users', () => hooksStep(c, 'post-users'));
    } finally {
      if (!req.interrupt) interrupt.dispose();
    }

    await recordFinished(paths.state, run.state, clock);
    const card = await gatherCard(c.loaded.config, paths, {
      hookFailures: hookFailures(run.state),
      skippedHooks: opts.skipHook,
    });
    const verifyFailed = card.verified === 'failed';
    await journal(
      paths.journal,
      {
        command: 'up',
        result: verifyFailed ? 'failed' : 'ok',
        ...(verifyFailed ? { exit_code: ExitCode.NOT_VERIFIED } : {}),
        verified: card.verified,
        hook_failures: card.hook_failures.map((f) => `${f.event}/${f.hook}`),
        users: card.users.filter((u) => u.credentials).map((u) => u.name),
        control_room: card.control_room?.room_id ?? null,
      },
      undefined,
      clock,
    );
    out.info(renderCard(card, colour));
    const document = { case_dir: paths.root, steps: steps.results, summary: card };
    if (verifyFailed) {
      throw new ExitError(ExitCode.NOT_VERIFIED, {
        error: `deployed, but the check from outside failed: the server is not reachable as it must be`,
        hint: 'fix what the 10-verify hook reported (above), then check again.',
        next: nextCommand('verify', root),
        data: document,
      });
    }
    if (req.globals.json) out.data(JSON.stringify({ ok: true, ...document }, null, 2));
  });
}
