import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type { AuthoritativeView } from './authoritative.js';
import { srvData } from './records.js';
import type { Walker } from './resolver.js';
import type { Finding, RecordReport } from './types.js';

/**
 * Known traps that break a first deployment although the records look right: Cloudflare's proxy,
 * wildcard records (CAA: caa.ts; stray records: stray.ts), SRV targets that are CNAMEs, and a
 * deprecated-only `_matrix._tcp` SRV.
 */

export interface CloudflareData {
  ipv4: string[];
  ipv6: string[];
}

/** data/cloudflare-ranges.json (shipped with the package). */
export async function loadCloudflareRanges(): Promise<BlockList> {
  const url = new URL('../../data/cloudflare-ranges.json', import.meta.url);
  return cloudflareBlockList(JSON.parse(await readFile(url, 'utf8')) as CloudflareData);
}

export function cloudflareBlockList(data: CloudflareData): BlockList {
  const list = new BlockList();
  for (const [cidrs, family] of [
    [data.ipv4, 'ipv4'],
    [data.ipv6, 'ipv6'],
  ] as const) {
    for (const cidr of cidrs) {
      const [net, bits] = cidr.split('/');
      list.addSubnet(net!, Number(bits), family);
    }
  }
  return list;
}

export function isCloudflare(list: BlockList, address: string): boolean {
  if (isIPv4(address)) return list.check(address, 'ipv4');
  if (isIPv6(address)) return list.check(address, 'ipv6');
  return false;
}

export function cloudflareFindings(records: RecordReport[], list: BlockList): Finding[] {
  const out: Finding[] = [];
  for (const r of records) {
    if (r.type === 'SRV') continue;
    const seen = [...r.authoritative, ...r.public].flatMap((a) => a.values);
    const proxied = [...new Set([...seen, ...r.expected])].filter((v) => isCloudflare(list, v));
    if (proxied.length === 0) continue;
    out.push({
      level: 'warning',
      code: 'cloudflare-proxied',
      subject: `${r.name} ${r.type}`,
      message: `${proxied.join(', ')} belongs to Cloudflare's proxy: federation (port 8448), TURN and large uploads do not pass through it`,
      fix: `in the Cloudflare dashboard set ${r.name} to "DNS only" (grey cloud) so it points straight at the server`,
    });
  }
  return out;
}

/**
 * A wildcard answers for names that do not exist, hiding typos and missing records. Asked of
 * every server of the domain's zone; `values` is what a random name gets (for the advice on
 * records the wildcard answers for).
 */
export async function wildcardCheck(
  auth: AuthoritativeView,
  domain: string,
  names: string[],
): Promise<{ findings: Finding[]; values: string[] }> {
  const probe = `mxoob-${randomBytes(4).toString('hex')}.${domain}`;
  const l = await auth.lookup(probe, 'A');
  const hit = l.answers.filter((a) => a.state === 'ok' && a.values.length > 0);
  if (hit.length === 0) return { findings: [], values: [] };
  const values = [...new Set(hit.flatMap((a) => a.values))].sort();
  const via = hit.find((a) => a.chain.length > 0)?.chain;
  return {
    values,
    findings: [
      {
        level: 'warning',
        code: 'wildcard',
        subject: `*.${domain}`,
        message: `a wildcard record answers for any name under ${domain} (a random name got ${via ? `CNAME ${via.join(' > ')} > ` : ''}A ${values.join(', ')}): a missing or mistyped record still resolves, maybe elsewhere`,
        fix: `keep explicit records for ${names.join(', ')}, and make sure *.${domain} does not point at another server (or delete it)`,
      },
    ],
  };
}

/** SRV targets must be host names with A/AAAA records, never CNAMEs (RFC 2782). */
export async function srvTargetFindings(walker: Walker, records: RecordReport[]): Promise<Finding[]> {
  const targets = new Set<string>();
  for (const r of records) {
    if (r.type !== 'SRV') continue;
    for (const a of r.authoritative) for (const v of a.values) targets.add(v.split(' ').pop()!);
  }
  const out: Finding[] = [];
  await Promise.all(
    [...targets].map(async (t) => {
      const r = await walker.resolve(t, 'A');
      if (r.chain.length === 0) return;
      out.push({
        level: 'warning',
        code: 'srv-target-cname',
        subject: t,
        message: `the SRV target ${t} is a CNAME (to ${r.chain[0]}); SRV targets must have their own A/AAAA records`,
        fix: `replace the CNAME at ${t} with A (and AAAA) records pointing at the server`,
      });
    }),
  );
  return out;
}

/** `_matrix._tcp` present but `_matrix-fed._tcp` missing: newer servers will not find the server. */
export function deprecatedSrvFindings(records: RecordReport[]): Finding[] {
  const fed = records.find((r) => r.name.startsWith('_matrix-fed._tcp.'));
  const old = records.find((r) => r.name.startsWith('_matrix._tcp.'));
  if (!fed || !old) return [];
  if (old.state === 'ok' && fed.state !== 'ok') {
    return [
      {
        level: 'warning',
        code: 'deprecated-srv-only',
        subject: old.name,
        message: `only the deprecated ${old.name} SRV exists; servers following Matrix spec v1.8+ look up ${fed.name}`,
        fix: `add ${fed.name} SRV ${srvData(old.expected[0]!)}. (keep the old one for older servers)`,
      },
    ];
  }
  return [];
}
