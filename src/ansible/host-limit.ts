import type { DeployState } from '../case/state.js';
import { hasOption } from './args.js';
import type { Recap } from './recap.js';

/**
 * Several servers in one run (docs/fallback.md): Ansible runs every stage on all hosts at once
 * (forks) and goes on with the healthy hosts when one fails. The recap says which hosts failed;
 * a resume runs the failed stage again on those hosts only (`--limit`), then the later stages
 * on every host.
 */

/** Hosts the recap shows as failed or unreachable, in recap order. */
export function failedHosts(recap: Recap): string[] {
  return Object.entries(recap)
    .filter(([, c]) => c.failed > 0 || c.unreachable > 0)
    .map(([host]) => host);
}

/** The operator gave their own --limit / -l: theirs wins, ours is not added. */
export function hasOwnLimit(args: readonly string[]): boolean {
  return hasOption(args, '--limit');
}

/**
 * The hosts to limit `stage` to when resuming: the hosts it failed on last time, when it is the
 * first stage of the resume, failed (not interrupted: then nobody knows what ran) with the same
 * tags, and did not fail on every host of a full run. Undefined: run it on every host.
 */
export function resumeLimit(
  state: DeployState,
  stage: string,
  firstOfResume: boolean,
  extraArgs: readonly string[],
  tags: readonly string[],
): string[] | undefined {
  if (!firstOfResume || hasOwnLimit(extraArgs)) return undefined;
  const record = state.deploy?.stages[stage];
  if (record?.status !== 'failed' || !record.failed_hosts || record.failed_hosts.length === 0)
    return undefined;
  if (record.tags.join(',') !== tags.join(',')) return undefined;
  // It failed everywhere it ran (a full run): run it everywhere, servers added since included.
  if (!record.limit && record.hosts && record.failed_hosts.length >= record.hosts) return undefined;
  return [...record.failed_hosts];
}

/** `--limit a,b` for ansible-playbook (host names are inventory names: no shell quoting needed). */
export function limitArgs(hosts: readonly string[] | undefined): string[] {
  return hosts && hosts.length > 0 ? ['--limit', hosts.join(',')] : [];
}
