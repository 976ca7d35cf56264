import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import {
  exitCodesHelp,
  homeserverUrlOption,
  noteHomeserverUrlSource,
  requestTimeoutOption,
  serverUrlOption,
} from '../options.js';
import type { UserRemoveOptions } from './remove.js';

export interface UserAddOptions {
  admin: boolean;
  all: boolean;
  passwordFile?: string;
  reset: boolean;
  showPassword: boolean;
}

export function registerUser(program: Command, ctx: CommandContext): void {
  const user = program.command('user').description('manage Matrix users on the server');
  user
    .command('add')
    .description('register a user (or every user in the config with --all) and write its credentials file')
    .argument('[name]', 'user name (localpart, e.g. analyst1)')
    .argument('[ansible-args...]', 'after --: passed to ansible-playbook (e.g. -- -v)')
    .option('--admin', 'make the user a server admin (default: as in the config, else no)', false)
    .option('--all', 'register every user listed in the config', false)
    .option('--password-file <file>', 'read the password from FILE ("-" for stdin) instead of generating one')
    .option(
      '--reset',
      'the user exists: set a new password (update-user-password) and rewrite its credentials',
      false,
    )
    .option(
      '--show-password',
      'print the password once on the terminal (it is always in credentials/)',
      false,
    )
    .addHelpText(
      'after',
      exitCodesHelp(
        '0 registered or skipped, 1 the playbook run failed, 2 bad usage, 130 interrupted',
        'users.md',
      ),
    )
    .action(async (name: string | undefined, ansibleArgs: string[], opts: UserAddOptions) => {
      // `user add --all -- -v`: commander fills [name] with the first pass-through argument.
      const passThrough = name?.startsWith('-') ? [name, ...ansibleArgs] : ansibleArgs;
      const user = name?.startsWith('-') ? undefined : name;
      const { runUserAdd } = await import('./run.js');
      await runUserAdd({ name: user, ansibleArgs: passThrough, opts, globals: ctx.globals(), out: ctx.out });
    });
  user
    .command('remove')
    .description(
      'deactivate a user on the server (ends every session; e.g. a seized laptop), delete its credentials and drop it from the config',
    )
    .argument('<name>', 'user name (localpart, e.g. analyst1)')
    .addOption(homeserverUrlOption('MATRIX_OOB_CONTROL_ROOM_URL'))
    .addOption(serverUrlOption())
    .addOption(requestTimeoutOption())
    .addHelpText(
      'after',
      exitCodesHelp(
        '0 deactivated and removed, 1 the homeserver refused or cannot be reached (nothing changed locally), 2 bad usage',
        'users.md',
      ),
    )
    .action(async (name: string, opts: UserRemoveOptions, cmd: Command) => {
      const { runUserRemove } = await import('./remove.js');
      noteHomeserverUrlSource(opts, cmd, 'MATRIX_OOB_CONTROL_ROOM_URL');
      await runUserRemove({ name, opts, globals: ctx.globals(), out: ctx.out });
    });
}
