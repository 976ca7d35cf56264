import { resolve } from 'node:path';
import { systemClock } from '../../adapters/clock.js';
import { exists } from '../../adapters/files.js';
import { capture as realCapture } from '../../adapters/process.js';
import { interruptOnSignals } from '../../adapters/signals.js';
import { addSecret, caseRedactor, type OpenedCase, openAnsibleCase } from '../../ansible/case.js';
import { ansibleEnv, ansibleEnvWarnings } from '../../ansible/env.js';
import { userCreatorYaml, withExtraVarsFile, withExtraVarsText } from '../../ansible/extra-vars.js';
import { killGrace } from '../../ansible/kill-grace.js';
import { runPlaybook } from '../../ansible/run.js';
import { withSshControl } from '../../ansible/ssh-control.js';
import { checkExtraArgs, failureDetails, runJournalFields, successLine } from '../../ansible/summary.js';
import { assertTags, listTags, USER_TAGS } from '../../ansible/tags.js';
import {
  credentialsFor,
  credentialsPath,
  generatePassword,
  passwordFromFile,
  pendingPath,
  readPassword,
  removeFile,
  writeCredentials,
} from '../../case/credentials.js';
import { journal } from '../../case/journal.js';
import { caseTempDir } from '../../case/leftovers.js';
import { withCaseLock } from '../../case/lock.js';
import { caseAccounts } from '../../config/accounts.js';
import { editConfigUsers } from '../../config/users-edit.js';
import {
  HOMESERVERS_WITH_REGISTER_USER,
  localpartProblem,
  USER_CREATOR_HOMESERVERS,
} from '../../config/validators.js';
import { FailureError, InterruptedError, UserError } from '../../errors.js';
import { readJitsiPasswords } from '../../inventory/jitsi-accounts.js';
import { nextCommand } from '../../ui/next.js';
import { processTerminal } from '../../ui/terminal.js';
import type { PlaybookRunIo } from '../context.js';
import { USERS_TAG } from '../deploy/stages.js';
import type { UserAddOptions } from './command.js';

export interface UserAddRequest extends PlaybookRunIo {
  name: string | undefined;
  ansibleArgs: string[];
  opts: UserAddOptions;
  stdin?: () => Promise<string>;
  /** Called by `up`: no "Next:" advice, `up` goes on by itself. */
  embedded?: boolean;
}

interface Target {
  name: string;
  admin: boolean;
}

export { generatePassword };

/** One command per case at a time (src/case/lock.ts). */
export async function runUserAdd(req: UserAddRequest): Promise<void> {
  await withCaseLock(resolve(req.globals.case), 'user add', () => userAddLocked(req));
}

async function userAddLocked(req: UserAddRequest): Promise<void> {
  const { opts, out } = req;
  const clock = req.clock ?? systemClock;
  checkExtraArgs(req.ansibleArgs);
  const opened = await openAnsibleCase(req.globals.case);
  const { config, paths } = opened;
  // synapse and dendrite have MDAD's register-user tag; conduit and continuwuity are reached
  // through its matrix-user-creator role (tag ensure-matrix-users-created).
  const viaCreator = !HOMESERVERS_WITH_REGISTER_USER.includes(config.homeserver);
  if (viaCreator && !USER_CREATOR_HOMESERVERS.includes(config.homeserver)) {
    throw new UserError(
      `homeserver ${config.homeserver} has neither a register-user task nor a user-creator task in the playbook; "user add" works with ${[...new Set([...HOMESERVERS_WITH_REGISTER_USER, ...USER_CREATOR_HOMESERVERS])].join(', ')}`,
      {
        hint: `create users with ${config.homeserver}'s own tools (see its documentation), or use homeserver: synapse for a new case.`,
      },
    );
  }
  if (opts.reset && config.homeserver !== 'synapse') {
    // MDAD's update-user-password only acts on Synapse: elsewhere every task is skipped and the
    // run "succeeds" while the old password stays valid.
    throw new UserError(
      `--reset: the playbook can change passwords only on synapse, not on ${config.homeserver}`,
      {
        hint: `change the password in Element (Settings > Security & Privacy) or with ${config.homeserver}'s own admin tool.`,
      },
    );
  }
  const targets = chooseTargets(req.name, opts, opened);
  const givenPassword = opts.passwordFile ? await passwordFromFile(opts.passwordFile, req.stdin) : undefined;

  const tag = opts.reset ? USER_TAGS.reset : viaCreator ? USERS_TAG : USER_TAGS.register;
  const baseEnv = req.env ?? process.env;
  for (const w of ansibleEnvWarnings(baseEnv, opened.ansible.checkout)) out.warn(w);
  const available = await listTags({
    checkout: opened.ansible.checkout,
    inventory: paths.hosts,
    playbook: 'setup.yml',
    env: ansibleEnv({ knownHosts: paths.knownHosts, colour: false, base: baseEnv }),
    capture: req.capture ?? realCapture,
    cacheFile: paths.tagsCache,
  });
  assertTags([tag], available, opened.ansible.checkout);

  const terminal = req.terminal ?? processTerminal();
  const redactor = await caseRedactor(paths, opened.ansible.checkout);
  if (givenPassword) addSecret(redactor, givenPassword);
  const interrupt = req.interrupt ?? interruptOnSignals();
  const report: Record<string, unknown>[] = [];
  // Each user's Jitsi login (when Jitsi requires one) goes into the same credentials file.
  const jitsi = await readJitsiPasswords(paths.vars);
  const command = [
    'user add',
    req.name ?? '',
    opts.all ? '--all' : '',
    opts.admin ? '--admin' : '',
    opts.reset ? '--reset' : '',
  ]
    .filter(Boolean)
    .join(' ');
  try {
    await withSshControl(async (controlDir) => {
      for (const target of targets) {
        if (interrupt.signal.aborted) {
          throw new InterruptedError(`interrupted before registering ${target.name}; nothing of it ran.`);
        }
        const credFile = credentialsPath(paths.credentialsDir, target.name);
        const pendFile = pendingPath(paths.credentialsDir, target.name);
        const userId = `@${target.name}:${config.domain}`;
        if (!opts.reset && (await exists(credFile))) {
          out.info(
            `${userId}: already registered, credentials in ${credFile} (use --reset to set a new password)`,
          );
          report.push({ name: target.name, user_id: userId, status: 'skipped', credentials: credFile });
          await journal(
            paths.journal,
            { command, stage: tag, user: target.name, result: 'skipped' },
            redactor,
            clock,
          );
          continue;
        }
        // Never regenerate a password that may already be in use: reuse a pending one.
        const password = givenPassword ?? (await readPassword(pendFile)) ?? generatePassword();
        addSecret(redactor, password);
        const creds = credentialsFor(config, target.name, password, target.admin, jitsi.get(target.name));
        await writeCredentials(pendFile, creds);

        out.info(
          `==> ${opts.reset ? 'setting a new password for' : 'registering'} ${userId}${target.admin ? ' (admin)' : ''}`,
        );
        const vars: Record<string, string> = opts.reset
          ? { username: target.name, password }
          : { username: target.name, password, admin: target.admin ? 'yes' : 'no' };
        const run = (file: string) =>
          runPlaybook({
            caseCtx: opened.ansible,
            tags: [tag],
            extraVarsFile: file,
            extraArgs: req.ansibleArgs,
            stage: `${tag}-${target.name.replace(/[^a-z0-9._=-]/g, '_')}`,
            terminal,
            redactor,
            signal: interrupt.signal,
            forceSignal: interrupt.force,
            // One JSON line per result: the YAML format folds long values at spaces, and a
            // passphrase split over two lines would escape line-by-line redaction.
            env: { ...baseEnv, ANSIBLE_CALLBACK_RESULT_FORMAT: 'json' },
            clock,
            killGraceMs: killGrace(baseEnv),
            controlDir,
          });
        const result =
          viaCreator && !opts.reset
            ? await withExtraVarsText(
                userCreatorYaml([{ username: target.name, password, type: target.admin ? 'admin' : 'user' }]),
                run,
                await caseTempDir(paths.root),
              )
            : // Inside the case (0700), swept by the next command if this one is killed.
              await withExtraVarsFile(vars, ['password'], run, await caseTempDir(paths.root));
        const status = result.interrupted ? 'interrupted' : result.exitCode === 0 ? 'ok' : 'failed';
        await journal(
          paths.journal,
          {
            command,
            stage: tag,
            user: target.name,
            admin: target.admin,
            result: status,
            ...runJournalFields(result),
          },
          redactor,
          clock,
        );
        if (result.interrupted) {
          throw new InterruptedError(
            `interrupted: ansible-playbook was stopped and the temporary password file removed; ${userId} may not be registered. Its password is kept in ${pendFile} and reused by the next "user add".`,
          );
        }
        if (result.exitCode !== 0) {
          throw new FailureError(
            `${opts.reset ? 'setting the password of' : 'registering'} ${userId} failed`,
            {
              details: failureDetails(result),
              hint: result.hint?.hint,
              next: nextCommand(
                'user add',
                paths.root,
                ...(req.name ? [req.name] : []),
                ...(opts.all ? ['--all'] : []),
                ...(opts.admin ? ['--admin'] : []),
                ...(opts.reset ? ['--reset'] : []),
              ),
              data: { users: report },
            },
          );
        }
        await writeCredentials(credFile, creds);
        await removeFile(pendFile);
        out.info(successLine(tag, result));
        out.info(
          `${userId}: ${opts.reset ? 'new password set' : 'registered'}; credentials in ${credFile} (hand them over out of band)`,
        );
        if (opts.showPassword && !req.globals.json) out.info(`password for ${userId}: ${password}`);
        report.push({
          name: target.name,
          user_id: userId,
          status: opts.reset ? 'reset' : 'registered',
          credentials: credFile,
          ...(opts.showPassword ? { password } : {}),
        });
      }
    }, req.capture);
  } finally {
    if (!req.interrupt) interrupt.dispose();
  }
  // A name the config does not list: add it, so the control room invites it and the next
  // `user add --all` and teardown know it.
  // A listed user registered as admin (--admin) is made admin: true there too, so the control
  // room gives them the admin's power level.
  const added: string[] = [];
  const known = caseAccounts(config).map((u) => u.name); // the users and the recorder
  const status = (name: string) => report.find((r) => r.name === name)?.status;
  for (const t of targets) {
    if (!known.includes(t.name)) {
      if (status(t.name) === 'skipped' || status(t.name) === undefined) continue;
      if (await editConfigUsers(paths.config, { add: { name: t.name, admin: t.admin } })) added.push(t.name);
    } else if (
      t.admin &&
      status(t.name) === 'registered' &&
      (await editConfigUsers(paths.config, { makeAdmin: t.name }))
    ) {
      out.info(`${t.name} was registered as an admin: admin: true set for it in ${paths.config}.`);
    }
  }
  for (const name of added) {
    out.info(`${name} was not in ${paths.config}: added to users:, so "matrix-oob control-room" invites it.`);
  }
  if (!req.embedded && !req.globals.json) {
    out.info(
      `Next: hand each credentials file to its user out of band; "${nextCommand('control-room', paths.root)}" invites ${targets.length === 1 ? 'the user' : 'them'} to the #control room.`,
    );
  }
  if (req.globals.json)
    out.data(JSON.stringify({ ok: true, users: report, added_to_config: added }, null, 2));
}

function chooseTargets(name: string | undefined, opts: UserAddOptions, opened: OpenedCase): Target[] {
  const { config } = opened;
  if (opts.all) {
    if (name) throw new UserError('give either a user name or --all, not both');
    if (opts.passwordFile) {
      throw new UserError('--password-file sets one password: use it with a single user name, not --all');
    }
    if (caseAccounts(config).length === 0) {
      throw new UserError(`--all: ${opened.paths.config} lists no users`, {
        hint: 'add users to the config (users: [{ name: analyst1, admin: true }]) or give a name: matrix-oob user add NAME',
      });
    }
    return caseAccounts(config).map((u) => ({ name: u.name, admin: u.admin }));
  }
  if (!name) {
    throw new UserError('user add needs a user name or --all', {
      hint: 'e.g. matrix-oob user add analyst1 --admin',
    });
  }
  const problem = localpartProblem(name, config.domain);
  if (problem) throw new UserError(`user name ${problem}`);
  const configured = config.users.find((u) => u.name === name);
  return [{ name, admin: opts.admin || (configured?.admin ?? false) }];
}
