import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { exitCodesHelp, lazyAction, repeatable } from '../options.js';

export interface TeardownOptions {
  confirm?: string;
  localOnly: boolean;
  dryRun: boolean;
  skipHook: string[];
  /** Remove one fallback server only (docs/fallback.md). */
  only?: string;
}

export function registerTeardown(program: Command, ctx: CommandContext): void {
  program
    .command('teardown')
    .description(
      'destroy the case: stop and wipe the server (all messages, media, keys, database) and the local secrets; keeps the journal and logs',
    )
    .option(
      '--confirm <domain>',
      'the domain name, typed out: confirms the teardown without a prompt (scripts)',
    )
    .option(
      '--local-only',
      'the server is already gone (deleted at the provider): remove only the local secrets',
      false,
    )
    .option(
      '--only <domain>',
      'remove one fallback server (e.g. a burned one) and keep the case and the #control room on the others',
    )
    .option('-n, --dry-run', 'show what would be removed and the exact commands; change nothing', false)
    .addOption(repeatable('--skip-hook <name>', 'do not run this pre/post-teardown hook (repeatable)'))
    .addHelpText(
      'after',
      exitCodesHelp(
        '0 torn down (or already), 1 the server part or a pre-teardown hook failed (local secrets kept), 2 bad usage, no confirmation, no inventory or pinned key, 130 interrupted',
        'teardown.md',
      ),
    )
    .action(lazyAction<TeardownOptions>(ctx, async () => (await import('./run.js')).runTeardown));
}
