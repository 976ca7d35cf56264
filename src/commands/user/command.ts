import type { Command } from 'commander';
import type { CommandContext } from '../../cli.js';

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
    .action(async (name: string | undefined, ansibleArgs: string[], opts: UserAddOptions) => {
      const { runUserAdd } = await import('./run.js');
      await runUserAdd({ name, ansibleArgs, opts, globals: ctx.globals(), out: ctx.out });
    });
}
