import { type Command, Option } from 'commander';
import type { CommandContext } from '../context.js';
import { repeatable } from '../options.js';

export interface InitOptions {
  config?: string;
  dryRun: boolean;
  // One flag per wizard question (see docs/init.md).
  domain?: string;
  address?: string;
  sshUser?: string;
  sshPort?: string;
  become?: boolean;
  ipv6?: string;
  homeserver?: string;
  element?: boolean;
  serveBaseDomain?: boolean;
  srvDelegation?: boolean;
  audioVideo?: boolean;
  callStack?: string;
  externalIp?: string;
  letsencryptEmail?: string;
  user?: string[];
  playbook?: string;
}

export function registerInit(program: Command, ctx: CommandContext): void {
  program
    .command('init')
    .description(
      'create or update a case folder: config, MDAD inventory and fresh secrets (wizard or --config)',
    )
    .argument('[case-dir]', 'case folder to write (default: config case_dir, or ./matrix-oob-<domain>)')
    .option('-c, --config <file>', 'read answers from a config file (matrix-oob.yml) instead of asking')
    .option('-n, --dry-run', 'show what would be written (secrets masked) and write nothing', false)
    .option('--domain <domain>', 'base domain of user IDs (e.g. example.com)')
    .option('--address <addr>', 'server address: IPv4, IPv6 or host name')
    .option('--ssh-user <user>', 'SSH login (default root)')
    .option('--ssh-port <port>', 'SSH port (default 22)')
    .option('--become', 'sudo to root (needed when --ssh-user is not root)')
    .option('--ipv6 <addr>', "server's public IPv6 address (optional)")
    .addOption(
      new Option('--homeserver <name>', 'homeserver implementation').choices([
        'synapse',
        'dendrite',
        'conduit',
        'continuwuity',
        'tuwunel',
      ]),
    )
    .option('--element', 'serve Element Web at element.<domain> (default)')
    .option('--no-element', 'do not serve Element Web')
    .option('--serve-base-domain', 'the base domain points at this server (default)')
    .option('--no-serve-base-domain', 'the base domain is served elsewhere')
    .option('--srv-delegation', 'not supported: refused with the reason (docs/config.md, srv_delegation)')
    .option('--audio-video', 'enable audio/video calls (see --call-stack)')
    .option('--call-stack <stack>', 'element-call (default on synapse), jitsi, or both (docs/calls.md)')
    .option('--external-ip <ipv4>', 'public IPv4 for TURN (default: the server address)')
    .option('--letsencrypt-email <email>', "contact e-mail for Let's Encrypt (optional)")
    .addOption(repeatable('--user <name[:admin]>', 'add a user (repeatable); suffix :admin for an admin'))
    .option('--playbook <dir>', 'path to a matrix-docker-ansible-deploy checkout')
    .action(async (caseDir: string | undefined, opts: InitOptions) => {
      const { runInit } = await import('./run.js');
      await runInit({ caseDir, opts, globals: ctx.globals(), out: ctx.out });
    });
}
