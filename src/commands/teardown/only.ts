import { rm } from 'node:fs/promises';
import { dirname, relative } from 'node:path';
import { readIfExists, writeFileAtomic } from '../../adapters/files.js';
import { interruptOnSignals } from '../../adapters/signals.js';
import { caseRedactor } from '../../ansible/case.js';
import { killGrace } from '../../ansible/kill-grace.js';
import { type AnsibleCase, runPlaybook } from '../../ansible/run.js';
import { withSshControl } from '../../ansible/ssh-control.js';
import { commandLine, failureDetails, runJournalFields } from '../../ansible/summary.js';
import { type JournalEntry, journal } from '../../case/journal.js';
import { serverVarsPath } from '../../case/paths.js';
import { applyPlan } from '../../case/plan.js';
import { withoutFallback } from '../../config/edit.js';
import type { LoadedCase } from '../../config/load.js';
import { serverByDomain } from '../../config/servers.js';
import { parseConfigText, validateConfig } from '../../config/validate.js';
import { FailureError, InterruptedError, UserError } from '../../errors.js';
import { confirmTeardown } from '../../teardown/confirm.js';
import {
  PLAYBOOKS_DIR,
  requireServerAccess,
  STOP_TAG,
  serverRemoved,
  TEARDOWN_PLAYBOOK,
} from '../../teardown/server.js';
import { processTerminal } from '../../ui/terminal.js';
import { planInit } from '../init/plan.js';
import { commandName } from './lines.js';
import type { TeardownRequest } from './run.js';

/**
 * `teardown --only DOMAIN` (docs/fallback.md): remove one fallback server, e.g. a burned one.
 * Its homeserver is stopped and wiped (the playbook runs with --limit that host), its secrets are
 * deleted, and it leaves matrix-oob.yml and the inventory; the other servers' federation
 * whitelist no longer names it (applied by the next deploy). #control lives on the others.
 */
export async function runTeardownOnly(
  req: TeardownRequest & { loaded: LoadedCase; checkout: string | undefined; checkoutDir: string },
): Promise<void> {
  const { out, opts, loaded } = req;
  const { config, paths } = loaded;
  const env = req.env ?? process.env;
  const domain = opts.only ?? '';
  const target = serverByDomain(config, domain);
  if (!target) {
    const fallbacks = (config.fallback ?? []).map((f) => f.domain);
    throw new UserError(`--only ${domain}: not a fallback server of this case`, {
      hint:
        fallbacks.length > 0
          ? `give one of: ${fallbacks.join(', ')}`
          : 'this case has no fallback servers; "matrix-oob teardown" removes the case',
    });
  }
  if (opts.skipHook.length > 0) {
    throw new UserError(`--skip-hook ${opts.skipHook[0]}: teardown --only runs no hooks`, {
      hint: 'leave --skip-hook out: the pre- and post-teardown hooks run only when the whole case is torn down.',
    });
  }
  if (target.isMain) {
    throw new UserError(
      `--only ${domain}: the main server cannot be removed alone (the case is named after it)`,
      {
        hint: 'keep working on the fallback servers (docs/fallback.md); "matrix-oob teardown" removes every server when the case closes.',
      },
    );
  }
  if (!opts.localOnly) await requireServerAccess(paths, config, domain);
  const configText = (await readIfExists(paths.config)) ?? '';
  const newConfigText = withoutFallback(configText, domain);
  if (newConfigText === undefined) {
    throw new UserError(`--only ${domain}: ${paths.config} lists no fallback with that domain`, {
      hint: 'fix the fallback: list by hand, then run the command again',
    });
  }
  const host = target.hostName;
  const caseCtx: AnsibleCase = { paths, checkout: req.checkout ?? PLAYBOOKS_DIR };
  const limit = ['--limit', host];
  const varsFile = serverVarsPath(paths, domain);
  const colour = (req.terminal ?? processTerminal()).colour;
  const { playbookCommand } = await import('../../ansible/run.js');
  const commands = [
    ...(req.checkout ? [playbookCommand({ caseCtx, tags: [STOP_TAG], extraArgs: limit }, colour)] : []),
    playbookCommand({ caseCtx, playbook: TEARDOWN_PLAYBOOK, extraArgs: limit }, colour),
  ].map(commandLine);
  out.info(
    `This DESTROYS the fallback server ${host} (${target.server.address}): its homeserver, data and secrets.`,
  );
  out.info(`The other servers and #control on them stay; ${domain} leaves matrix-oob.yml and the inventory.`);
  const removed = relative(paths.root, dirname(varsFile));
  if (opts.dryRun) {
    const run = opts.localOnly ? [] : commands;
    if (req.globals.json) {
      const doc = { dry_run: true, only: domain, host, commands: run, remove: [removed] };
      out.data(JSON.stringify(doc, null, 2));
      return;
    }
    out.info('dry run: nothing is changed. It would run:');
    for (const c of run) out.data(c);
    out.data(`rm -rf ${dirname(varsFile)}`);
    return;
  }
  await confirmTeardown(
    {
      typed: opts.confirm,
      yes: req.globals.yes,
      env,
      ...(req.interactive !== undefined ? { interactive: req.interactive } : {}),
      ...(req.prompt ? { prompt: req.prompt } : {}),
    },
    domain,
  );

  const redactor = await caseRedactor(paths, req.checkout);
  const interrupt = req.interrupt ?? interruptOnSignals();
  const terminal = req.terminal ?? processTerminal();
  const record = (entry: Partial<JournalEntry> & Pick<JournalEntry, 'result'>) =>
    journal(paths.journal, { command: commandName(opts), ...entry }, redactor, req.clock);
  try {
    if (!opts.localOnly) {
      await withSshControl(async (controlDir) => {
        const run = (what: { playbook?: string; tags?: string[]; stage: string }) =>
          runPlaybook({
            caseCtx,
            ...what,
            extraArgs: limit,
            terminal,
            redactor,
            signal: interrupt.signal,
            forceSignal: interrupt.force,
            env,
            ...(killGrace(env) ? { killGraceMs: killGrace(env) } : {}),
            controlDir,
          });
        if (req.checkout) {
          out.info(`==> stop the services of ${host}: setup.yml --tags=stop --limit ${host}`);
          const stop = await run({ tags: [STOP_TAG], stage: 'teardown-only-stop' });
          await record({
            stage: 'stop',
            result: stop.exitCode === 0 ? 'ok' : 'failed',
            ...runJournalFields(stop),
          });
          if (stop.interrupted)
            throw new InterruptedError(`interrupted while stopping ${host}; nothing was removed`);
        }
        out.info(`==> remove everything on ${host}`);
        const r = await run({ playbook: TEARDOWN_PLAYBOOK, stage: 'teardown-only' });
        const gone = serverRemoved(r, host);
        await record({ stage: 'remove', result: gone ? 'ok' : 'failed', ...runJournalFields(r) });
        if (r.interrupted) {
          throw new InterruptedError(
            `interrupted while removing ${host}'s data; its secrets are kept. Run the command again.`,
          );
        }
        if (!gone) {
          throw new FailureError(`removing ${host}'s data failed: nothing was removed locally`, {
            details: failureDetails(r),
            hint: `fix this and run "matrix-oob teardown --only ${domain}" again; if the server no longer exists, add --local-only.`,
          });
        }
      }, req.capture);
    }
    // Locally: the config without it, the inventory and the other servers' whitelists re-rendered.
    const validated = validateConfig(parseConfigText(newConfigText, paths.config), paths.config);
    const plan = await planInit({ ...validated.config, playbook: config.playbook }, paths, true);
    await writeFileAtomic(paths.config, newConfigText);
    await applyPlan(plan);
    await rm(dirname(varsFile), { recursive: true, force: true });
    await record({ stage: 'local', result: 'ok', removed: [removed] });
  } finally {
    if (!req.interrupt) interrupt.dispose();
  }
  if (req.globals.json) {
    const server = opts.localOnly ? 'skipped' : 'removed';
    out.data(JSON.stringify({ ok: true, only: domain, host, server, removed: [removed] }, null, 2));
  }
  out.info(
    `${host} is removed${opts.localOnly ? ' locally (server skipped: --local-only)' : ''}. Run "matrix-oob deploy" so the other servers stop federating with ${domain}; "matrix-oob control-room" drops its alias from #control.`,
  );
}
