import { isIPv4, isIPv6 } from 'node:net';
import { inventoryHostName } from '../case/paths.js';
import { localpartProblem } from './validators.js';

/**
 * Every server of a case: the main one (`domain` + `server`) and the `fallback:` list
 * (docs/fallback.md). One list, in config order, main first; each command that handles "the
 * server" loops over it. Pure: no I/O.
 */

export interface ServerConnection {
  address: string;
  ssh_user: string;
  ssh_port: number;
  become: boolean;
  ipv6?: string | undefined;
}

export interface CaseServer {
  domain: string;
  server: ServerConnection;
  /** The Ansible inventory host name: matrix.<domain> (also its host_vars folder). */
  hostName: string;
  isMain: boolean;
}

/** The part of the config this module reads. */
export interface ServersConfig {
  domain: string;
  server: ServerConnection;
  fallback?: readonly { domain: string; server: ServerConnection }[] | undefined;
}

export function caseServers(config: ServersConfig): CaseServer[] {
  return [
    {
      domain: config.domain,
      server: config.server,
      hostName: inventoryHostName(config.domain),
      isMain: true,
    },
    ...(config.fallback ?? []).map((f) => ({
      domain: f.domain,
      server: f.server,
      hostName: inventoryHostName(f.domain),
      isMain: false,
    })),
  ];
}

/** The fallback servers only. */
export function fallbackServers(config: ServersConfig): CaseServer[] {
  return caseServers(config).filter((s) => !s.isMain);
}

/** The server of `domain`, or undefined. */
export function serverByDomain(config: ServersConfig, domain: string): CaseServer | undefined {
  return caseServers(config).find((s) => s.domain === domain);
}

export interface FieldIssue {
  path: (string | number)[];
  message: string;
}

/**
 * Cross-field rules of `fallback:` (run on a partial value: every field read defensively):
 * domains distinct from the main one and from each other, become for a non-root login, user
 * IDs short enough on every domain.
 */
export function fallbackIssues(cfg: { domain?: unknown; fallback?: unknown; users?: unknown }): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (!Array.isArray(cfg.fallback)) return issues;
  const seen = new Map<string, string>();
  if (typeof cfg.domain === 'string') seen.set(cfg.domain, 'domain');
  const users = Array.isArray(cfg.users) ? cfg.users : [];
  cfg.fallback.forEach((f: unknown, i: number) => {
    const entry = (f ?? {}) as { domain?: unknown; server?: { ssh_user?: unknown; become?: unknown } };
    if (typeof entry.domain === 'string') {
      const before = seen.get(entry.domain);
      if (before) {
        issues.push({
          path: ['fallback', i, 'domain'],
          message: `"${entry.domain}" is already used by ${before}: each server needs its own domain`,
        });
      } else {
        seen.set(entry.domain, `fallback[${i}]`);
      }
      for (const u of users as { name?: unknown }[]) {
        if (typeof u?.name !== 'string' || localpartProblem(u.name) !== undefined) continue;
        const problem = localpartProblem(u.name, entry.domain);
        if (problem) issues.push({ path: ['fallback', i, 'domain'], message: `user ${u.name} ${problem}` });
      }
    }
    const become = becomeProblem(entry.server);
    if (become) issues.push({ path: ['fallback', i, 'server', 'become'], message: become });
  });
  return issues;
}

/** Why a server's `become` is wrong (a non-root login with become: false), on a partial value. */
export function becomeProblem(srv: { ssh_user?: unknown; become?: unknown } | undefined): string | undefined {
  return srv && typeof srv.ssh_user === 'string' && srv.ssh_user !== 'root' && srv.become === false
    ? `must be true when ssh_user is "${srv.ssh_user}": the playbook needs root (set become: true, or ssh_user: root)`
    : undefined;
}

/**
 * Warnings about servers that would fall together: the same registrable domain (one registrar
 * or registry action takes both) or the same network (/24 for IPv4, /48 for IPv6: usually one
 * provider, one outage). Host-name addresses are not resolved here.
 */
export function fallbackWarnings(config: ServersConfig): string[] {
  const servers = caseServers(config);
  if (servers.length < 2) return [];
  const warnings: string[] = [];
  for (let i = 0; i < servers.length; i++) {
    for (let j = i + 1; j < servers.length; j++) {
      const a = servers[i]!;
      const b = servers[j]!;
      const parentA = registrableDomain(a.domain);
      if (parentA === registrableDomain(b.domain)) {
        warnings.push(
          `fallback: ${a.domain} and ${b.domain} share the parent domain ${parentA}: losing it (registrar, seizure) takes both; use a domain under another registrable name`,
        );
      }
      const net = sharedNetwork(a.server, b.server);
      if (net) {
        warnings.push(
          `fallback: ${a.domain} and ${b.domain} are in the same network ${net}: probably one provider, one outage; put the fallback elsewhere`,
        );
      }
    }
  }
  return warnings;
}

/** Second-level suffixes under country codes (co.uk, com.au, ...): a rough public-suffix rule. */
const SECOND_LEVEL = new Set(['co', 'com', 'net', 'org', 'ac', 'gov', 'edu', 'or', 'ne', 'go']);

/** example.com for a.b.example.com; example.co.uk for x.example.co.uk (approximation, no PSL). */
export function registrableDomain(domain: string): string {
  const labels = domain.split('.');
  const tld = labels[labels.length - 1] ?? '';
  const sld = labels[labels.length - 2] ?? '';
  const take = tld.length === 2 && SECOND_LEVEL.has(sld) && labels.length >= 3 ? 3 : 2;
  return labels.slice(-take).join('.');
}

/** "203.0.113.0/24" or "2001:db8:1::/48" when both servers have an address in it. */
export function sharedNetwork(a: ServerConnection, b: ServerConnection): string | undefined {
  const v4 = (s: ServerConnection) => [s.address].filter((x) => isIPv4(x));
  const v6 = (s: ServerConnection) => [s.address, s.ipv6].filter((x): x is string => !!x && isIPv6(x));
  for (const x of v4(a)) {
    for (const y of v4(b)) {
      const p = x.split('.').slice(0, 3).join('.');
      if (p === y.split('.').slice(0, 3).join('.')) return `${p}.0/24`;
    }
  }
  for (const x of v6(a)) {
    for (const y of v6(b)) {
      const p = prefix48(x);
      if (p === prefix48(y)) return `${p}::/48`;
    }
  }
  return undefined;
}

/** The first three 16-bit groups of an IPv6 address, in their short form. */
function prefix48(address: string): string {
  const [head = '', tail = ''] = address.split('::');
  const h = head ? head.split(':') : [];
  const t = address.includes('::') ? (tail ? tail.split(':') : []) : [];
  const full = address.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  return full
    .slice(0, 3)
    .map((g) => Number.parseInt(g || '0', 16).toString(16))
    .join(':');
}

/**
 * The config as seen by one server: its domain and connection; a fallback has no audio/video
 * (calls stay on the main server). For commands that handle one server at a time.
 */
export function configFor<C extends ServersConfig & { audio_video: { enabled: boolean } }>(
  config: C,
  server: Pick<CaseServer, 'domain' | 'server' | 'isMain'>,
): C {
  return server.isMain
    ? config
    : {
        ...config,
        domain: server.domain,
        server: server.server,
        audio_video: { ...config.audio_video, enabled: false },
      };
}
