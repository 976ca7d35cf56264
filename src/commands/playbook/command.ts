import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { lazyAction } from '../options.js';

export interface FetchFlags {
  repo?: string;
  ref?: string;
  dir?: string;
}

export function registerPlaybook(program: Command, ctx: CommandContext): void {
  const playbook = program
    .command('playbook')
    .description('the matrix-docker-ansible-deploy checkout: fetch it, acknowledge its breaking changes');
  playbook
    .command('fetch')
    .description(
      'clone the playbook at the tested revision (or update the checkout) and install its galaxy roles',
    )
    .option(
      '--repo <url>',
      'git URL of the playbook (default: playbook.repo, then the public MDAD repository)',
    )
    .option('--ref <rev>', 'branch or commit (default: playbook.ref, then the tested pin commit)')
    .option('--dir <dir>', 'where the checkout lives (default: playbook.path, then <case>/playbook)')
    .action(async (flags: FetchFlags) => {
      const { runFetch } = await import('./fetch.js');
      await runFetch({ flags, globals: ctx.globals(), out: ctx.out });
    });
  playbook
    .command('acknowledge')
    .description(
      "show the checkout's breaking changes since the inventory's validated version, then record that you reviewed them",
    )
    .action(lazyAction(ctx, async () => (await import('./acknowledge.js')).runAcknowledge));
}
