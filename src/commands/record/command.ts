import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import {
  exitCodesHelp,
  homeserverUrlOption,
  lazyAction,
  noteHomeserverUrlSource,
  repeatable,
} from '../options.js';

export interface RecordOptions {
  homeserverUrl?: string;
  /** Where homeserverUrl came from, when it is the environment (for its errors). */
  homeserverUrlFrom?: string;
  once: boolean;
  importKeys?: string;
  passphraseFile?: string;
}

export interface RecordVerifyOptions {
  head: string[];
}

export function registerRecord(program: Command, ctx: CommandContext): void {
  const record = program
    .command('record')
    .description(
      'run the recorder on this machine: log in as the recorder, join every room it is invited to, store every event (encrypted as received, and decrypted) hash-chained in record/',
    )
    .addOption(homeserverUrlOption('MATRIX_OOB_RECORD_URL'))
    .option('--once', 'catch up once (join, fill gaps, decrypt, download) and stop', false)
    .option(
      '--import-keys <file>',
      'a key export from a client ("Export E2E room keys"): decrypt what is stored and could not be read; works offline',
    )
    .option('--passphrase-file <file>', "the key export's passphrase (default: asked on the terminal)")
    .addHelpText(
      'after',
      exitCodesHelp(
        '0 stopped after catching up (--once, --import-keys), 1 the homeserver failed or refused, 2 bad usage or config, 130 stopped with Ctrl-C (everything received is stored and checkpointed)',
        'record.md',
      ),
    )
    .action(async (opts: RecordOptions, cmd: Command) => {
      const { runRecord } = await import('./run.js');
      noteHomeserverUrlSource(opts, cmd, 'MATRIX_OOB_RECORD_URL');
      await runRecord({ opts, globals: ctx.globals(), out: ctx.out, exitWhenDone: true });
    });

  record
    .command('verify')
    .description(
      'check every hash chain of the case (journal.jsonl, record/rooms/*/*.jsonl) and name the first line edited, removed or reordered',
    )
    .addOption(
      repeatable(
        '--head <file=seq:hash>',
        'a head written down earlier (teardown prints them): the file must still hold that line (repeatable)',
      ),
    )
    .addHelpText(
      'after',
      exitCodesHelp(
        '0 every chain intact, 5 a chain is broken (the file and line are named), 2 bad usage (not a case folder, bad --head)',
        'record.md',
      ),
    )
    .action(lazyAction<RecordVerifyOptions>(ctx, async () => (await import('./verify.js')).runRecordVerify));
}
