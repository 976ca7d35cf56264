import { join } from 'node:path';
import type { Clock } from '../../adapters/clock.js';
import { exists } from '../../adapters/files.js';
import type { Capture } from '../../adapters/process.js';
import type { Interrupt } from '../../adapters/signals.js';
import { caseRedactor } from '../../ansible/case.js';
import { withSshControl } from '../../ansible/ssh-control.js';
import { credentialsPath } from '../../case/credentials.js';
import { caseAccounts } from '../../config/accounts.js';
import { type LoadedCase, loadCase } from '../../config/load.js';
import { USER_CREATOR_HOMESERVERS } from '../../config/validators.js';
import { FailureError } from '../../errors.js';
import type { HookEvent } from '../../hooks/discover.js';
import { checkoutPath } from '../../playbook/pin.js';
import type { Output } from '../../ui/output.js';
import type { Terminal } from '../../ui/terminal.js';
import type { Outcome } from '../../up/engine.js';
import type { GlobalOptions, PlaybookRunIo } from '../context.js';

/** What every step body gets: the case and the adapters of this run. */
export interface StepContext {
  root: string;
  loaded: LoadedCase;
  /** The steps' own globals: --json off (`up` prints one document), the case folder set. */
  globals: GlobalOptions;
  out: Output;
  terminal: Terminal;
  capture: Capture;
  env: NodeJS.ProcessEnv;
  interrupt: Interrupt;
  clock: Clock;
  ansibleArgs: string[];
  interactive: boolean;
  skipHooks: string[];
}

// The bodies of `up`'s steps (docs/up.md), each the library function of its own command.

export async function playbookStep(c: StepContext): Promise<Outcome | undefined> {
  const checkout = checkoutPath(c.loaded);
  if (await exists(join(checkout, 'setup.yml'))) return { skipped: `present: ${checkout}` };
  const { runFetch } = await import('../playbook/fetch.js');
  await runFetch({ flags: {}, globals: c.globals, out: c.out, capture: c.capture, env: c.env });
  c.loaded = await loadCase(c.root); // fetch records the checkout in matrix-oob.yml
  return undefined;
}

export async function hostKeyStep(c: StepContext, fingerprint: string | undefined) {
  if (!fingerprint && (await exists(c.loaded.paths.knownHosts)))
    return { skipped: `present: ${c.loaded.paths.knownHosts}` };
  const { runTrustHost } = await import('../trust-host/run.js');
  await runTrustHost({
    flags: fingerprint ? { fingerprint } : {},
    globals: c.globals,
    out: c.out,
    capture: c.capture,
    env: c.env,
    interactive: c.interactive,
    embedded: true,
  });
  return undefined;
}

export async function doctorStep(
  c: StepContext,
  versions: { minAnsibleCore: string; minCommunityDocker: string },
  colour: boolean,
): Promise<Outcome> {
  const { runDoctor } = await import('../../doctor/index.js');
  const { renderTable } = await import('../../doctor/report.js');
  const { report, redactor } = await runDoctor({
    caseDir: c.root,
    capture: c.capture,
    env: c.env,
    ...versions,
    sshTimeoutSec: 10,
  });
  if (!report.ok) {
    c.out.info(redactor.redact(renderTable(report, colour)));
    throw new FailureError(
      `doctor found ${report.counts.fail} problem${report.counts.fail === 1 ? '' : 's'} (FAIL above): nothing was changed on the server`,
      { hint: 'fix each FAIL as its line says; "matrix-oob doctor" re-checks on its own.' },
    );
  }
  if (report.counts.warn > 0) {
    c.out.info(redactor.redact(renderTable(report, colour)));
    return { note: `passed with ${report.counts.warn} warning${report.counts.warn === 1 ? '' : 's'}` };
  }
  return { note: `all ${report.counts.pass} checks passed` };
}

export async function hooksStep(c: StepContext, event: HookEvent): Promise<Outcome> {
  const { runHooks } = await import('../../hooks/run.js');
  const current = c.loaded;
  const redactor = await caseRedactor(current.paths, checkoutPath(current));
  const summary = await withSshControl(
    (controlDir) =>
      runHooks(event, {
        loaded: current,
        checkout: checkoutPath(current),
        terminal: c.terminal,
        redactor,
        out: c.out,
        signal: c.interrupt.signal,
        env: c.env,
        skip: c.skipHooks,
        clock: c.clock,
        controlDir,
        command: 'up',
      }),
    c.capture,
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
}

export async function deployStep(c: StepContext, name: 'setup' | 'start'): Promise<undefined> {
  const { runDeploy } = await import('../deploy/run.js');
  await runDeploy({
    opts: { stage: name, full: false, dryRun: false, fromStart: false },
    ansibleArgs: c.ansibleArgs,
    ...playbookIo(c),
    dnsChecked: true,
  });
  return undefined;
}

export async function usersStep(c: StepContext): Promise<Outcome | undefined> {
  const { config } = c.loaded;
  const accounts = caseAccounts(config);
  if (accounts.length === 0) return { skipped: 'no users in the config' };
  // The setup run created them (MDAD's matrix-user-creator): only stragglers remain, e.g.
  // users added to the config after that run finished.
  const missing: string[] = [];
  for (const u of accounts)
    if (!(await exists(credentialsPath(c.loaded.paths.credentialsDir, u.name)))) missing.push(u.name);
  if (missing.length === 0) return { skipped: 'created by the setup run' };
  if (!USER_CREATOR_HOMESERVERS.includes(config.homeserver)) {
    c.out.warn(
      `the playbook cannot create users on ${config.homeserver}: create ${missing.join(', ')} with its own tools`,
    );
    return { skipped: `not supported for ${config.homeserver}` };
  }
  const { runUserAdd } = await import('../user/run.js');
  await runUserAdd({
    name: undefined,
    ansibleArgs: c.ansibleArgs,
    opts: { admin: false, all: true, reset: false, showPassword: false },
    ...playbookIo(c),
    embedded: true,
  });
  return undefined;
}

/** The I/O every playbook command gets from `up`: the same terminal, signals and clock. */
function playbookIo(c: StepContext): PlaybookRunIo {
  return {
    globals: c.globals,
    out: c.out,
    terminal: c.terminal,
    capture: c.capture,
    env: c.env,
    interrupt: c.interrupt,
    clock: c.clock,
  };
}
