import type { Config } from '../config/schema.js';
import { type DnsTarget, expectedRecords, srvData, targetFromConfig } from './records.js';

/**
 * The records a case needs, to create at the DNS provider, computed offline from the config
 * (`matrix-oob dns records`, and printed by `init`, `dns check` and `up` when the records cannot
 * be seen). The same list `dns check` verifies (expectedRecords); pure, no I/O.
 */
export interface RecordToCreate {
  name: string;
  type: 'A' | 'AAAA' | 'CNAME' | 'SRV';
  /** A/AAAA: the address; CNAME: the target host; SRV: "priority weight port target". */
  value: string;
  ttl: number;
  required: boolean;
  purpose: string;
}

/** Short enough to fix a mistake quickly during an incident; long enough to be cached. */
export const SUGGESTED_TTL = 300;

export function recordsToCreate(
  config: Pick<Config, 'domain' | 'server' | 'element' | 'serve_base_domain' | 'srv_delegation'> &
    Partial<Pick<Config, 'audio_video'>>,
): RecordToCreate[] {
  const { target, hostToResolve } = targetFromConfig(config);
  return recordsForTarget(target, hostToResolve);
}

/** The records for a target (what `dns check` verifies), as they are created. */
export function recordsForTarget(target: DnsTarget, hostToResolve?: string): RecordToCreate[] {
  // A host name as server.address: the names that may be CNAMEs point at it; the base domain
  // (a zone apex cannot be a CNAME) needs that host's address.
  const forHost = hostToResolve ? { ...target, ipv4: `<address of ${hostToResolve}>` } : target;
  const out: RecordToCreate[] = [];
  for (const e of expectedRecords(forHost)) {
    const base = { name: e.name, ttl: SUGGESTED_TTL, required: e.required, purpose: e.purpose };
    if (hostToResolve && e.cnameAllowed && e.type === 'A') {
      out.push({ ...base, type: 'CNAME', value: hostToResolve });
      continue;
    }
    for (const v of e.values) {
      if (e.type === 'SRV') out.push({ ...base, type: 'SRV', value: srvData(v) });
      else out.push({ ...base, type: e.type, value: v });
    }
  }
  return out;
}

/** Zone-file lines (RFC 1035 master format, absolute names), one per record. */
export function zoneFileLines(records: readonly RecordToCreate[]): string[] {
  const abs = (n: string) => (n.endsWith('.') ? n : `${n}.`);
  const width = Math.max(...records.map((r) => abs(r.name).length));
  return records.map((r) => {
    const value =
      r.type === 'CNAME'
        ? abs(r.value)
        : r.type === 'SRV'
          ? r.value.replace(/(\S+)$/, (h) => abs(h))
          : r.value;
    const line = `${abs(r.name).padEnd(width)}  ${r.ttl}  IN  ${r.type.padEnd(5)}  ${value}`;
    return r.required ? line : `${line}  ; optional: ${r.purpose}`;
  });
}

/** The table for people: name, type, value, and why. */
export function recordsTable(records: readonly RecordToCreate[]): string[] {
  const rows = [
    ['NAME', 'TYPE', 'VALUE', 'WHY'],
    ...records.map((r) => [r.name, r.type, r.value, `${r.required ? '' : '(optional) '}${r.purpose}`]),
  ];
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((row) => row[c]!.length)));
  return rows.map((row) =>
    row
      .map((cell, c) => (c < 3 ? cell.padEnd(widths[c]!) : cell))
      .join('  ')
      .trimEnd(),
  );
}

/** Both forms, as printed by `dns records` and after a DNS check that cannot see the records. */
export function recordsText(records: readonly RecordToCreate[], domain: string): string[] {
  return [
    `Records to create for ${domain} (at its DNS provider):`,
    ...recordsTable(records).map((l) => `  ${l}`),
    '',
    'As zone-file lines:',
    ...zoneFileLines(records).map((l) => `  ${l}`),
  ];
}
