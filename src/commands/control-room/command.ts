import { type Command, Option } from 'commander';
import type { CommandContext } from '../context.js';

export interface ControlRoomCommandOptions {
  homeserverUrl?: string;
  /** Set from commander: where --homeserver-url's value came from. */
  homeserverUrlFrom?: string;
  admin?: string;
  passwordFile?: string;
  timeout: string;
  /** Fallback servers' homeserver URLs, DOMAIN=URL (docs/fallback.md). */
  serverUrl: string[];
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerControlRoom(program: Command, ctx: CommandContext): void {
  program
    .command('control-room')
    .description(
      'create (or reuse) the private, end-to-end encrypted #control:<domain> room and invite every configured user',
    )
    .addOption(
      new Option('--homeserver-url <url>', 'homeserver base URL (default https://matrix.<domain>)').env(
        'MATRIX_OOB_CONTROL_ROOM_URL',
      ),
    )
    .option('--admin <name>', 'admin user to log in as (default: the first user with admin: true)')
    .option(
      '--password-file <file>',
      "read the admin's password from this file (default credentials/<admin>.txt)",
    )
    .option('--timeout <seconds>', 'deadline per request to the homeserver', '15')
    .option(
      '--server-url <domain=url>',
      "a fallback server's homeserver URL (default https://matrix.<domain>); repeatable",
      collect,
      [],
    )
    .addHelpText(
      'after',
      '\nExit codes: 0 room ready and everyone invited, 1 the homeserver failed or refused (e.g. wrong password) or an invite failed, 2 bad usage or config. See docs/control-room.md.\n',
    )
    .action(async (opts: ControlRoomCommandOptions, cmd: Command) => {
      const { runControlRoom } = await import('./run.js');
      if (cmd.getOptionValueSource('homeserverUrl') === 'env')
        opts.homeserverUrlFrom = 'MATRIX_OOB_CONTROL_ROOM_URL (from the environment)';
      await runControlRoom({ opts, globals: ctx.globals(), out: ctx.out });
    });
}
