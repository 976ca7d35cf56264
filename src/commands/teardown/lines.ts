import type { TeardownRecord } from '../../case/state.js';
import { recordsToCreate } from '../../dns/zone-file.js';
import type { Output } from '../../ui/output.js';
import type { TeardownOptions } from './command.js';

/** What teardown says besides its plan and stages: a case already gone, what is left to do. */

/** A torn-down case: nothing to do, and nothing is touched (exit 0: the wanted state holds). */
export function alreadyTornDown(t: TeardownRecord, domain: string, out: Output, json: boolean): void {
  out.info(
    `the case ${domain} was already torn down at ${t.at} (server: ${t.server === 'removed' ? 'wiped' : 'skipped with --local-only'}); nothing left to remove.`,
  );
  if (t.server === 'skipped') {
    out.info('if the server still exists, delete it at your provider.');
  }
  if (json) out.data(JSON.stringify({ ok: true, already_torn_down: true, ...t }, null, 2));
}

/** What teardown cannot do itself: the records at the DNS provider, and the VPS. */
export function teardownNext(config: Parameters<typeof recordsToCreate>[0]): string {
  const names = [...new Set(recordsToCreate(config).map((r) => `${r.name} ${r.type}`))].join(', ');
  return `Next: delete the DNS records at the DNS provider (${names}), so the names stop pointing at an address that may be reused; then delete the server (VPS) at the provider: teardown wiped its data but the machine still exists.`;
}

export function commandName(opts: TeardownOptions): string {
  const parts = ['teardown'];
  if (opts.only !== undefined) parts.push(`--only ${opts.only}`);
  if (opts.localOnly) parts.push('--local-only');
  if (opts.dryRun) parts.push('--dry-run');
  for (const h of opts.skipHook) parts.push(`--skip-hook ${h}`);
  return parts.join(' ');
}
