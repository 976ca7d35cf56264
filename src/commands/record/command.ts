import type { Command } from 'commander';
import type { CommandContext } from '../../cli.js';

export interface RecordVerifyOptions {
  head: string[];
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerRecord(program: Command, ctx: CommandContext): void {
  const record = program
    .command('record')
    .description('the case record: the recorder (docs/record.md) and the hash chains of the case');

  record
    .command('verify')
    .description(
      'check every hash chain of the case (journal.jsonl, record/rooms/*/*.jsonl) and name the first line edited, removed or reordered',
    )
    .option(
      '--head <file=seq:hash>',
      'a head written down earlier (teardown prints them): the file must still hold that line (repeatable)',
      collect,
      [] as string[],
    )
    .addHelpText(
      'after',
      '\nExit codes: 0 every chain intact, 4 a chain is broken (the file and line are named), 2 bad usage (not a case folder, bad --head). See docs/record.md.\n',
    )
    .action(async (opts: RecordVerifyOptions) => {
      const { runRecordVerify } = await import('./verify.js');
      await runRecordVerify({ opts, globals: ctx.globals(), out: ctx.out });
    });
}
