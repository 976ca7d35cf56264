import { type Command, Option } from 'commander';
import type { CommandContext } from '../context.js';
import { lazyAction, repeatable } from '../options.js';

export interface DnsCheckFlags {
  domain?: string;
  ip?: string;
  ipv6?: string;
  element?: boolean;
  serveBaseDomain?: boolean;
  srvDelegation?: boolean;
  root: string[];
  resolver: string[];
  systemResolver?: boolean;
  authPort?: string;
  queryTimeout?: string;
  retries?: string;
  wait: boolean;
  timeout: string;
  interval: string;
}

export function registerDns(program: Command, ctx: CommandContext): void {
  const dns = program.command('dns').description('DNS readiness of the records the case needs');
  dns
    .command('check')
    .description(
      'check every record the config implies at the authoritative servers and public resolvers (exit 0 ready, 3 not ready)',
    )
    .option('--domain <domain>', 'check this domain ad hoc instead of the case config (needs --ip or --ipv6)')
    .option('--ip <ipv4>', "the server's IPv4 address (overrides the config)")
    .option('--ipv6 <ipv6>', "the server's IPv6 address (overrides the config)")
    .option('--no-element', 'ad hoc: Element Web is not served (no element.<domain>)')
    .option('--no-serve-base-domain', 'ad hoc: the base domain is served elsewhere (no A <domain>)')
    .option('--srv-delegation', 'ad hoc: federation is delegated by SRV records')
    .addOption(
      repeatable(
        '--root <addr[:port]>',
        'start the walk at this server instead of the root servers (repeatable)',
      ).hideHelp(),
    )
    .addOption(
      repeatable('--resolver <addr[:port]>', 'public resolver to compare (repeatable; "none" for none)'),
    )
    .option('--no-system-resolver', 'do not ask the resolvers of /etc/resolv.conf')
    .addOption(new Option('--auth-port <port>', 'port of the authoritative servers (default 53)').hideHelp())
    .option('--query-timeout <ms>', 'timeout of one query attempt in milliseconds (default 2000)')
    .option('--retries <n>', 'extra attempts after a timeout (default 1)')
    .option('-w, --wait', 're-check until ready or the --timeout deadline', false)
    .option('--timeout <duration>', 'with --wait: give up after this long (e.g. 30m, 90s)', '30m')
    .option('--interval <duration>', 'with --wait: pause between checks (e.g. 10s)', '10s')
    .action(async (opts: DnsCheckFlags, cmd: Command) => {
      const { runDnsCheck } = await import('./run.js');
      const sources = {
        element: cmd.getOptionValueSource('element'),
        serveBaseDomain: cmd.getOptionValueSource('serveBaseDomain'),
        systemResolver: cmd.getOptionValueSource('systemResolver'),
      };
      await runDnsCheck({ opts, explicit: sources, globals: ctx.globals(), out: ctx.out });
    });
  dns
    .command('records')
    .description(
      'print every DNS record the case needs, offline: a table and zone-file lines to paste at the DNS provider',
    )
    .action(lazyAction(ctx, async () => (await import('./records.js')).runDnsRecords));
}
