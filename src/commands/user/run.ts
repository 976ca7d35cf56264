import { generate } from 'generate-password';
import { type Clock, systemClock } from '../../adapters/clock.js';
import { exists } from '../../adapters/files.js';
import { type Capture, capture as realCapture } from '../../adapters/process.js';
import { type Interrupt, interruptOnSignals } from '../../adapters/signals.js';
import { addSecret, caseRedactor, type OpenedCase, openAnsibleCase } from '../../ansible/case.js';
import { ansibleEnv, ansibleEnvWarnings } from '../../ansible/env.js';
import { withExtraVarsFile } from '../../ansible/extra-vars.js';
import { runPlaybook } from '../../ansible/run.js';
import { withSshControl } from '../../ansible/ssh-control.js';
import { checkExtraArgs, failureDetails, runJournalFields, successLine } from '../../ansible/summary.js';
import { assertTags, listTags } from '../../ansible/tags.js';
import {
  credentialsFor,
  credentialsPath,
  passwordFromFile,
  pendingPath,
  readPassword,
  removeFile,
  writeCredentials,
} from '../../case/credentials.js';
import { journal } from '../../case/journal.js';
import type { GlobalOptions } from '../../cli.js';
import { caseAccounts } from '../../config/accounts.js';
import { HOMESERVERS_WITH_REGISTER_USER, localpartProblem } from '../../config/validators.js';
import { FailureError, InterruptedError, UserError } from '../../errors.js';
import type { Output } from '../../ui/output.js';
import { processTerminal, type Terminal } from '../../ui/terminal.js';
import { killGrace } from '../deploy/run.js';
import type { UserAddOptions } from './command.js';

export interface UserAddRequest {
  name: string | undefined;
  ansibleArgs: string[];
  opts: UserAddOptions;
  globals: GlobalOptions;
  out: Output;
  terminal?: Terminal;
  capture?: Capture;
  env?: NodeJS.ProcessEnv;
  interrupt?: Interrupt;
  clock?: Clock;
  stdin?: () => Promise<string>;
}

interface Target {
  name: string;
  admin: boolean;
}

/** 64 characters from a CSPRNG (generate-password uses crypto.randomBytes), letters and digits. */
export function generatePassword(): string {
  return generate({
    length: 64,
    numbers: true,
    uppercase: true,
    lowercase: true,
    symbols: false,
    strict: true,
  });
}

export async function runUserAdd(req: UserAddRequest): Promise<void> {
  const { opts, out } = req;
  const clock = req.clock ?? systemClock;
  checkExtraArgs(req.ansibleArgs);
  const opened = await openAnsibleCase(req.globals.case);
  const { config, paths } = opened;
  if (!HOMESERVERS_WITH_REGISTER_USER.includes(config.homeserver)) {
    throw new UserError(
      `homeserver ${config.homeserver} has no register-user task in the playbook; "user add" works with synapse or dendrite only`,
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

  const tag = opts.reset ? 'update-user-password' : 'register-user';
  const baseEnv = req.env ?? process.env;
  for (const w of ansibleEnvWarnings(baseEnv)) out.warn(w);
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
  const redactor = await caseRedactor(paths);
  if (givenPassword) addSecret(redactor, givenPassword);
  const interrupt = req.interrupt ?? interruptOnSignals();
  const report: Record<string, unknown>[] = [];
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
        const creds = credentialsFor(config, target.name, password, target.admin);
        await writeCredentials(pendFile, creds);

        out.info(
          `==> ${opts.reset ? 'setting a new password for' : 'registering'} ${userId}${target.admin ? ' (admin)' : ''}`,
        );
        const vars: Record<string, string> = opts.reset
          ? { username: target.name, password }
          : { username: target.name, password, admin: target.admin ? 'yes' : 'no' };
        const result = await withExtraVarsFile(vars, ['password'], (file) =>
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
          }),
        );
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
          if (req.globals.json) out.data(JSON.stringify({ ok: false, users: report }, null, 2));
          throw new FailureError(
            `${opts.reset ? 'setting the password of' : 'registering'} ${userId} failed`,
            {
              details: failureDetails(result),
              hint: result.hint?.hint,
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
  if (req.globals.json) out.data(JSON.stringify({ ok: true, users: report }, null, 2));
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
