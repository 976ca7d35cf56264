import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { adminOption, exitCodesHelp, lazyAction, repeatable, requestTimeoutOption } from '../options.js';

export interface DrillOptions {
  stop?: string;
  from?: string;
  homeserverUrl: string[];
  admin?: string;
  catchUpTimeout: string;
  timeout: string;
}

export function registerDrill(program: Command, ctx: CommandContext): void {
  program
    .command('drill')
    .description(
      "fallback drill: stop one server's homeserver, post into #control from another server, start it again and check it catches up",
    )
    .option('--stop <domain>', 'the server to stop (default: the main one)')
    .option('--from <domain>', 'the server to post from (default: the first other one)')
    .addOption(
      repeatable(
        '--homeserver-url <domain=url>',
        'homeserver URL of a server (default https://matrix.<domain>); repeatable',
      ),
    )
    .addOption(adminOption('account to post with (default: the first user with admin: true)'))
    .option(
      '--catch-up-timeout <seconds>',
      'how long the restarted server may take to show the message',
      '300',
    )
    .addOption(requestTimeoutOption('a homeserver'))
    .addHelpText(
      'after',
      exitCodesHelp(
        '0 the drill passed, 1 a step failed (the report says which), 2 bad usage or a case without fallback servers, 130 interrupted (after restarting the server)',
        'fallback.md',
        'The stopped server is started again on success, failure and Ctrl-C. ',
      ),
    )
    .action(lazyAction<DrillOptions>(ctx, async () => (await import('./run.js')).runDrill));
}
