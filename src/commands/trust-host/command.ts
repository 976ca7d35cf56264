import type { Command } from 'commander';
import type { CommandContext } from '../context.js';

export interface TrustHostFlags {
  fingerprint?: string;
  /** A fallback server's domain (docs/fallback.md); default the main server. */
  server?: string;
}

export function registerTrustHost(program: Command, ctx: CommandContext): void {
  program
    .command('trust-host')
    .description(
      "fetch the server's SSH host key, show its fingerprint, and pin it in <case>/known_hosts once confirmed",
    )
    .option(
      '--fingerprint <SHA256:...>',
      'pin only the key with this fingerprint (checked out of band, e.g. in the provider console); for scripts',
    )
    .option('--server <domain>', 'pin the key of this fallback server (default: the main server)')
    .action(async (flags: TrustHostFlags) => {
      const { runTrustHost } = await import('./run.js');
      await runTrustHost({ flags, globals: ctx.globals(), out: ctx.out });
    });
}
