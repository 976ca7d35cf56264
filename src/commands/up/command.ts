import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { exitCodesHelp, repeatable } from '../options.js';

export interface UpOptions {
  config?: string;
  fingerprint?: string;
  dnsTimeout: string;
  dnsInterval: string;
  skipDnsCheck?: boolean;
  skipHook: string[];
  fromStart: boolean;
}

export function registerUp(program: Command, ctx: CommandContext): void {
  program
    .command('up')
    .description(
      'from nothing to a usable server: init, DNS, playbook, host key, doctor, deploy, users and hooks, in order; resumes after a failure',
    )
    .argument(
      '[ansible-args...]',
      'after --: passed to every ansible-playbook run of the deploy stages and users',
    )
    .option(
      '-c, --config <file>',
      'create the case from this config file when it has no inventory yet (else: the wizard)',
    )
    .option(
      '--fingerprint <SHA256:...>',
      "pin the server's SSH host key with this fingerprint (checked out of band); needed without a terminal",
    )
    .option('--dns-timeout <duration>', 'wait this long for the DNS records (e.g. 30m, 90s)', '30m')
    .option('--dns-interval <duration>', 'pause between DNS checks while waiting (e.g. 10s)', '10s')
    .option('--skip-dns-check', 'do not check DNS (also MATRIX_OOB_SKIP_DNS_CHECK=1)')
    .addOption(
      repeatable(
        '--skip-hook <name>',
        'do not run this hook (file name, with or without extension; repeatable)',
      ),
    )
    .option('--from-start', 'ignore where the last failed run stopped: run every step again', false)
    .addHelpText(
      'after',
      exitCodesHelp(
        '0 the server is up, 1 a step failed (the error ends with the command that resumes), 2 bad usage or config, 3 DNS not ready by --dns-timeout, 4 deployed but the check from outside failed, 130 interrupted',
        'up.md',
      ),
    )
    .action(async (ansibleArgs: string[], opts: UpOptions, cmd: Command) => {
      const { runUp } = await import('./run.js');
      const caseSource = cmd.parent?.getOptionValueSource('case');
      await runUp({
        opts,
        ansibleArgs,
        globals: ctx.globals(),
        caseExplicit: caseSource !== undefined && caseSource !== 'default',
        out: ctx.out,
      });
    });
}
