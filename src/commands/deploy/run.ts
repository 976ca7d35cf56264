import { resolve } from 'node:path';
import { systemClock } from '../../adapters/clock.js';
import { capture as realCapture } from '../../adapters/process.js';
import { interruptOnSignals } from '../../adapters/signals.js';
import { addSecret, caseRedactor, openAnsibleCase } from '../../ansible/case.js';
import { ansibleEnv, ansibleEnvWarnings } from '../../ansible/env.js';
import { userCreatorYaml, withExtraVarsText } from '../../ansible/extra-vars.js';
import { failedHosts, limitArgs, resumeLimit } from '../../ansible/host-limit.js';
import { killGrace } from '../../ansible/kill-grace.js';
import { type PlaybookResult, playbookCommand, runPlaybook } from '../../ansible/run.js';
import { withSshControl } from '../../ansible/ssh-control.js';
import {
  checkExtraArgs,
  commandLine,
  failureDetails,
  isRehearsal,
  runJournalFields,
  successLine,
} from '../../ansible/summary.js';
import { assertTags, listTags } from '../../ansible/tags.js';
import { journal } from '../../case/journal.js';
import { caseTempDir } from '../../case/leftovers.js';
import { withCaseLock } from '../../case/lock.js';
import { finishSetupUsers, prepareSetupUsers } from '../../case/setup-users.js';
import { readState, stagesToRun, writeSection } from '../../case/state.js';
import { FailureError, InterruptedError } from '../../errors.js';
import { nextCommand } from '../../ui/next.js';
import { processTerminal } from '../../ui/terminal.js';
import type { PlaybookRunIo } from '../context.js';
import type { DeployOptions } from './command.js';
import { commandName, resumeCommand } from './command-line.js';
import {
  DEPLOYED_SECTION,
  type DeployedRecord,
  lastDeployed,
  readSwitches,
  switchedOff,
} from './components.js';
import { dnsGate, skipDnsRequested } from './dns-gate.js';
import { hostFields, jsonResult } from './results.js';
import { deployStages, USERS_TAG } from './stages.js';

export interface DeployRequest extends PlaybookRunIo {
  opts: DeployOptions;
  ansibleArgs: string[];
  /** The caller already checked DNS (`up`): no gate here. */
  dnsChecked?: boolean;
}

/** One command per case at a time (src/case/lock.ts); --dry-run changes nothing and needs none. */
export async function runDeploy(req: DeployRequest): Promise<void> {
  if (req.opts.dryRun) return deployLocked(req);
  await withCaseLock(resolve(req.globals.case), commandName(req), () => deployLocked(req));
}

async function deployLocked(req: DeployRequest): Promise<void> {
  const { out, opts } = req;
  const clock = req.clock ?? systemClock;
  const terminal = req.terminal ?? processTerminal();
  checkExtraArgs(req.ansibleArgs);
  const opened = await openAnsibleCase(req.globals.case);
  for (const w of opened.warnings) out.warn(w);
  const { paths } = opened;
  const caseCtx = opened.ansible;
  const state = await readState(paths.state);
  // A component switched off since the last setup is uninstalled only by setup-all.
  const switches = await readSwitches(paths.vars);
  const turnedOff = opts.full ? [] : switchedOff(lastDeployed(state), switches);
  const allStages = deployStages({ full: opts.full || turnedOff.length > 0 });
  const plan = allStages.map((s) => s.name);

  let toRun = allStages;
  let skipped: string[] = [];
  if (opts.stage) {
    toRun = allStages.filter((s) => s.name === opts.stage);
  } else if (!opts.fromStart) {
    const r = stagesToRun(state, plan, Object.fromEntries(allStages.map((s) => [s.name, s.tags])));
    toRun = allStages.filter((s) => r.run.includes(s.name));
    skipped = r.skipped;
  }
  // Several servers: a stage that failed on some hosts resumes on those only (docs/fallback.md).
  const limitOf = (s: (typeof toRun)[number]) =>
    opts.stage || opts.fromStart
      ? undefined
      : resumeLimit(state, s.name, s === toRun[0], req.ansibleArgs, s.tags);

  const baseEnv = req.env ?? process.env;
  // The DNS gate first: no slow work while the records are wrong (not for --dry-run).
  if (!opts.dryRun && !req.dnsChecked) {
    await dnsGate({
      config: opened.config,
      journalFile: paths.journal,
      caseRoot: paths.root,
      command: commandName(req),
      out,
      env: baseEnv,
      skip: skipDnsRequested(opts.skipDnsCheck, baseEnv),
    });
  }

  // Never run a tag the checkout lacks: Ansible would quietly run almost nothing.
  for (const w of ansibleEnvWarnings(baseEnv, caseCtx.checkout)) out.warn(w);
  const available = await listTags({
    checkout: caseCtx.checkout,
    inventory: paths.hosts,
    playbook: 'setup.yml',
    env: ansibleEnv({ knownHosts: paths.knownHosts, colour: false, base: baseEnv }),
    capture: req.capture ?? realCapture,
    cacheFile: paths.tagsCache,
  });
  assertTags(
    toRun.flatMap((s) => s.tags),
    available,
    caseCtx.checkout,
  );

  if (opts.dryRun) {
    for (const s of skipped) out.info(`stage ${s}: finished in the last run, would be skipped`);
    const commands = toRun.map((s) => ({
      stage: s.name,
      tags: s.tags,
      command: commandLine(
        playbookCommand(
          { caseCtx, tags: s.tags, extraArgs: [...req.ansibleArgs, ...limitArgs(limitOf(s))] },
          terminal.colour,
        ),
      ),
    }));
    if (req.globals.json) out.data(JSON.stringify({ dry_run: true, skipped, stages: commands }, null, 2));
    else for (const c of commands) out.data(`# stage ${c.stage}\n${c.command}`);
    await journal(paths.journal, { command: commandName(req), result: 'dry-run' }, undefined, clock);
    return;
  }

  const redactor = await caseRedactor(paths, caseCtx.checkout);
  const rehearsal = isRehearsal(req.ansibleArgs);
  const interrupt = req.interrupt ?? interruptOnSignals();
  const results: { stage: string; result: PlaybookResult }[] = [];
  try {
    await withSshControl(async (controlDir) => {
      if (!opts.stage && !opts.fromStart && skipped.length > 0) {
        for (const s of skipped) {
          out.info(`stage ${s}: finished in the last run, skipping (use --from-start to run it again)`);
          await journal(
            paths.journal,
            { command: commandName(req), stage: s, result: 'skipped' },
            redactor,
            clock,
          );
        }
      }
      // A new run (not a resume, not a single stage): forget the previous one.
      let current = state.deploy;
      if (!current || (!opts.stage && skipped.length === 0)) {
        current = { plan, started_at: clock.now().toISOString(), stages: {} };
      }
      for (const stage of toRun) {
        if (interrupt.signal.aborted) {
          throw new InterruptedError(
            `interrupted before stage ${stage.name}; nothing of it ran. Resume with: ${resumeCommand(req)}`,
          );
        }
        out.info(`==> stage ${stage.name}: --tags=${stage.tags.join(',')}${rehearsal ? ' (rehearsal)' : ''}`);
        const setup = stage.tags.includes(USERS_TAG);
        if (setup && turnedOff.length > 0) {
          out.info(
            `    ${turnedOff.join(', ')} went from true to false since the last setup: running setup-all, which uninstalls ${turnedOff.length === 1 ? 'that component' : 'those components'} (install-all would leave ${turnedOff.length === 1 ? 'it' : 'them'} running)`,
          );
        }
        // The case's users are created by this run (MDAD's matrix-user-creator), not one run each.
        const users = setup && !rehearsal ? await prepareSetupUsers(opened.config, paths) : [];
        for (const u of users) addSecret(redactor, u.password);
        if (users.length > 0) {
          out.info(
            `    creating ${users.map((u) => `${u.userId}${u.admin ? ' (admin)' : ''}`).join(', ')} in this run`,
          );
        }
        const limit = limitOf(stage);
        if (limit) {
          out.info(
            `stage ${stage.name}: resuming on ${limit.join(', ')} only (it failed there last time; the other servers finished it)`,
          );
        }
        const run = (extraVarsFile?: string) =>
          runPlaybook({
            caseCtx,
            tags: stage.tags,
            extraArgs: [...req.ansibleArgs, ...limitArgs(limit)],
            ...(extraVarsFile ? { extraVarsFile } : {}),
            stage: stage.name,
            terminal,
            redactor,
            signal: interrupt.signal,
            forceSignal: interrupt.force,
            // One JSON line per result when passwords are in play: YAML folds long values.
            env: users.length > 0 ? { ...baseEnv, ANSIBLE_CALLBACK_RESULT_FORMAT: 'json' } : baseEnv,
            clock,
            killGraceMs: killGrace(baseEnv),
            controlDir,
          });
        // The file lives inside the case (0700), swept by the next command if this one is killed.
        const result =
          users.length > 0
            ? await withExtraVarsText(userCreatorYaml(users), run, await caseTempDir(paths.root))
            : await run();
        results.push({ stage: stage.name, result });
        const status = result.interrupted ? 'interrupted' : result.exitCode === 0 ? 'finished' : 'failed';
        if (!rehearsal) {
          current.stages[stage.name] = {
            status,
            at: clock.now().toISOString(),
            tags: [...stage.tags],
            exit_code: result.exitCode,
            log: result.logFile,
            ...hostFields(result, limit),
          };
          await writeSection(paths.state, 'deploy', current);
          if (setup && status === 'finished') {
            const record: DeployedRecord = { at: clock.now().toISOString(), tags: [...stage.tags], switches };
            await writeSection(paths.state, DEPLOYED_SECTION, record);
          }
        }
        await journal(
          paths.journal,
          {
            command: commandName(req),
            stage: stage.name,
            result: status === 'finished' ? 'ok' : status,
            ...(users.length > 0 ? { users: users.map((u) => u.username) } : {}),
            ...runJournalFields(result),
          },
          redactor,
          clock,
        );
        if (result.interrupted) {
          throw new InterruptedError(
            `interrupted: ansible-playbook was stopped during stage ${stage.name} (marked interrupted; log ${result.logFile}). Resume with: ${resumeCommand(req)}`,
          );
        }
        if (result.exitCode !== 0) {
          const onHosts = failedHosts(result.recap);
          const only =
            onHosts.length > 0 && onHosts.length < Object.keys(result.recap).length
              ? `; stage ${stage.name} runs again on ${onHosts.join(', ')} only`
              : '';
          throw new FailureError(
            `stage ${stage.name} failed${onHosts.length > 0 ? ` on ${onHosts.join(', ')}` : ''}`,
            {
              details: [
                ...failureDetails(result),
                `resume: ${resumeCommand(req)} (finished stages are skipped${only})`,
              ],
              hint: result.hint?.hint,
              next: resumeCommand(req),
              data: jsonResult(results, skipped, false),
            },
          );
        }
        out.info(successLine(stage.name, result));
        if (users.length > 0) {
          await finishSetupUsers(opened.config, users);
          for (const u of users)
            out.info(`${u.userId}: registered; credentials in ${u.credFile} (hand them over out of band)`);
        }
      }
    }, req.capture);
  } finally {
    if (!req.interrupt) interrupt.dispose();
  }
  if (req.globals.json) out.data(JSON.stringify(jsonResult(results, skipped, true), null, 2));
  else if (!opts.stage) {
    out.info('deploy finished: the server is installed and started.');
    out.info(
      `Next: "${nextCommand('verify', paths.root)}" checks it from outside; then "${nextCommand('user add', paths.root, '--all')}" registers the users and "${nextCommand('control-room', paths.root)}" creates the #control room.`,
    );
  }
}
