import type { Command } from 'commander';
import type { CommandContext } from '../context.js';

export interface DrillOptions {
  stop?: string;
  from?: string;
  homeserverUrl: string[];
  admin?: string;
  catchUpTimeout: string;
  timeout: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerDrill(program: Command, ctx: CommandContext): void {
  program
    .command('drill')
    .description(
      "fallback drill: stop one server's homeserver, post into #control from another server, start it again and check it catches up",
    )
    .option('--stop <domain>', 'the server to stop (default: the main one)')
    .option('--from <domain>', 'the server to post from (default: the first other one)')
    .option(
      '--homeserver-url <domain=url>',
      'homeserver URL of a server (default https://matrix.<domain>); repeatable',
      collect,
      [],
    )
    .option('--admin <name>', 'account to post with (default: the first user with admin: true)')
    .option(
      '--catch-up-timeout <seconds>',
      'how long the restarted server may take to show the message',
      '300',
    )
    .option('--timeout <seconds>', 'deadline per request to a homeserver', '15')
    .addHelpText(
      'after',
      '\nThe stopped server is started again on success, failure and Ctrl-C. Exit codes: 0 the drill passed, 1 a step failed (the report says which), 2 bad usage or a case without fallback servers, 130 interrupted (after restarting the server). See docs/fallback.md.\n',
    )
    .action(async (opts: DrillOptions) => {
      const { runDrill } = await import('./run.js');
      await runDrill({ opts, globals: ctx.globals(), out: ctx.out });
    });
}
