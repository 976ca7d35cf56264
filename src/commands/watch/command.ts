import { type Command, Option } from 'commander';
import type { CommandContext } from '../context.js';
import {
  adminOption,
  adminPasswordFileOption,
  exitCodesHelp,
  homeserverUrlOption,
  lazyAction,
  noteHomeserverUrlSource,
  repeatable,
  requestTimeoutOption,
} from '../options.js';

export interface WatchCommandOptions {
  once: boolean;
  interval: string;
  approve: string[];
  notify: boolean;
  source: string;
  journalDir?: string;
  homeserverUrl?: string;
  /** Set from commander: where --homeserver-url's value came from. */
  homeserverUrlFrom?: string;
  admin?: string;
  passwordFile?: string;
  timeout: string;
}

export function registerWatch(program: Command, ctx: CommandContext): void {
  program
    .command('watch')
    .description(
      'watch who logs in, from where, on which device: a live table of every case account, with alerts (Synapse)',
    )
    .option(
      '--once',
      'poll once, read the journal up to now, print and exit (exit 1 while anything is unapproved)',
      false,
    )
    .option('--interval <seconds>', 'seconds between polls of the state source', '5')
    .addOption(
      repeatable('--approve <id>', 'mark a device ID or address as known-good (repeatable; no network)'),
    )
    .option('--notify', 'also post each alert to #control as a notice (through the admin account)', false)
    .addOption(
      new Option('--source <which>', 'state (HTTPS API), log (journald over SSH) or both')
        .choices(['both', 'state', 'log'])
        .default('both'),
    )
    .option(
      '--journal-dir <dir>',
      'on the server, read this journal folder (journalctl --directory) instead of the system journal',
    )
    .addOption(homeserverUrlOption('MATRIX_OOB_WATCH_URL'))
    .addOption(adminOption())
    .addOption(adminPasswordFileOption())
    .addOption(requestTimeoutOption())
    .addHelpText(
      'after',
      exitCodesHelp(
        '0 nothing unapproved (--once) or stopped cleanly, 1 alerts or unapproved devices (--once) or a source failed, 2 bad usage or config, 130 interrupted',
        'watch.md',
      ),
    )
    .action(async (opts: WatchCommandOptions, cmd: Command) => {
      noteHomeserverUrlSource(opts, cmd, 'MATRIX_OOB_WATCH_URL');
      await lazyAction<WatchCommandOptions>(ctx, async () => (await import('./run.js')).runWatch)(opts);
    });
}
