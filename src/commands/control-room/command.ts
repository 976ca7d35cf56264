import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import {
  adminOption,
  adminPasswordFileOption,
  exitCodesHelp,
  homeserverUrlOption,
  noteHomeserverUrlSource,
  requestTimeoutOption,
  serverUrlOption,
} from '../options.js';

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

export function registerControlRoom(program: Command, ctx: CommandContext): void {
  program
    .command('control-room')
    .description(
      'create (or reuse) the private, end-to-end encrypted #control:<domain> room and invite every configured user',
    )
    .addOption(homeserverUrlOption('MATRIX_OOB_CONTROL_ROOM_URL'))
    .addOption(adminOption())
    .addOption(adminPasswordFileOption())
    .addOption(requestTimeoutOption())
    .addOption(serverUrlOption())
    .addHelpText(
      'after',
      exitCodesHelp(
        '0 room ready and everyone invited, 1 the homeserver failed or refused (e.g. wrong password) or an invite failed, 2 bad usage or config',
        'control-room.md',
      ),
    )
    .action(async (opts: ControlRoomCommandOptions, cmd: Command) => {
      const { runControlRoom } = await import('./run.js');
      noteHomeserverUrlSource(opts, cmd, 'MATRIX_OOB_CONTROL_ROOM_URL');
      await runControlRoom({ opts, globals: ctx.globals(), out: ctx.out });
    });
}
