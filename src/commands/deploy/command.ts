import { type Command, Option } from 'commander';
import type { CommandContext } from '../context.js';

export interface DeployOptions {
  stage?: 'setup' | 'start';
  full: boolean;
  dryRun: boolean;
  fromStart: boolean;
  skipDnsCheck?: boolean;
}

export function registerDeploy(program: Command, ctx: CommandContext): void {
  program
    .command('deploy')
    .description('run the playbook: stage setup (install) then stage start; resumes after a failure')
    .argument('[ansible-args...]', 'after --: passed to ansible-playbook (e.g. -- -v --check --limit HOST)')
    .addOption(new Option('--stage <name>', 'run only this stage').choices(['setup', 'start']))
    .option(
      '--full',
      'stage setup uses the setup-all tag (also removes components dropped from vars.yml)',
      false,
    )
    .option('-n, --dry-run', 'print the exact commands and run nothing', false)
    .option('--from-start', 'ignore the state of a failed run and start from the first stage', false)
    .option(
      '--skip-dns-check',
      'do not check DNS first (also MATRIX_OOB_SKIP_DNS_CHECK=1); by default a DNS record that is not ready stops deploy with exit 3',
    )
    .action(async (ansibleArgs: string[], opts: DeployOptions) => {
      const { runDeploy } = await import('./run.js');
      await runDeploy({ opts, ansibleArgs, globals: ctx.globals(), out: ctx.out });
    });
}
