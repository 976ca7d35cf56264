import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { exitCodesHelp, lazyAction } from '../options.js';

export interface TranscriptOptions {
  format: string;
  output?: string;
}

export function registerTranscript(program: Command, ctx: CommandContext): void {
  program
    .command('transcript')
    .description(
      'render what the recorder stored as one self-contained HTML file per case (no scripts, no external resources), or JSONL for tools',
    )
    .option('--format <format>', 'html or jsonl', 'html')
    .option('-o, --output <file>', 'where to write (default record/transcript.<format>; "-" for stdout)')
    .addHelpText(
      'after',
      exitCodesHelp(
        '0 written (a broken hash chain is shown on the first page and warned about), 2 bad usage or nothing recorded',
        'record.md',
      ),
    )
    .action(lazyAction<TranscriptOptions>(ctx, async () => (await import('./run.js')).runTranscript));
}
