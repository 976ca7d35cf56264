import { type Command, Option } from 'commander';
import type { CommandContext } from '../context.js';
import { exitCodesHelp, lazyAction, repeatable, requestTimeoutOption } from '../options.js';

export interface VerifyCommandOptions {
  connectTo: string[];
  caFile?: string;
  timeout: string;
}

export function registerVerify(program: Command, ctx: CommandContext): void {
  program
    .command('verify')
    .description(
      'check a deployed server from this machine: well-known files, client API, federation port and certificates',
    )
    .addOption(
      repeatable(
        '--connect-to <host:port:addr:port>',
        'send requests for host:port to addr:port instead (repeatable; like curl --connect-to; also MATRIX_OOB_CONNECT_TO, space-separated)',
      ),
    )
    .addOption(
      new Option('--ca-file <file>', 'also trust the CA certificates (PEM) in this file').env(
        'MATRIX_OOB_CA_FILE',
      ),
    )
    .addOption(requestTimeoutOption('the server checked, redirects included', '10'))
    .addHelpText(
      'after',
      exitCodesHelp('0 every check passed, 1 a check failed, 2 bad usage or config', 'verify.md'),
    )
    .action(lazyAction<VerifyCommandOptions>(ctx, async () => (await import('./run.js')).runVerify));
}
