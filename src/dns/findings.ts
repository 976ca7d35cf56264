import type { RecordLookup } from './authoritative.js';
import { isSubdomain } from './names.js';
import type { Finding, RecordReport, RecordState, ZoneView } from './types.js';

/** Findings (problems, warnings, notes) with a fix for each, from the zone views and record reports. */

const PUBLIC_SOFT: readonly RecordState[] = ['timeout', 'unreachable', 'refused', 'malformed'];

export function zoneFindings(z: ZoneView, domain: string): Finding[] {
  const out: Finding[] = [];
  if (!isSubdomain(z.apex, domain) && isSubdomain(domain, z.apex) && z.apex !== domain) {
    out.push({
      level: 'error',
      code: 'not-delegated',
      subject: domain,
      message: `${domain} is not delegated: the servers of ${z.apex} answer for it themselves`,
      fix: `register ${domain} and set its name servers at the registrar`,
    });
  }
  if (z.nsMismatch) {
    out.push({
      level: 'warning',
      code: 'ns-mismatch',
      subject: z.apex,
      message: `the parent zone ${z.parent ?? ''} delegates ${z.apex} to ${z.parentNs.join(', ')}, but the zone's own NS records list ${z.childNs.join(', ')}`,
      fix: `make both lists the same: set the name servers at the registrar and the NS records in the zone to one set`,
    });
  }
  for (const s of z.servers) {
    if (s.state !== 'ok' && s.state !== 'unreachable') {
      const lame = s.state === 'lame' || s.state === 'refused';
      out.push({
        level: 'warning',
        code: lame ? 'lame-server' : 'server-failing',
        subject: `${s.ns} (${s.address})`,
        message: `${s.ns} (${s.address}) does not serve ${z.apex} properly: ${s.detail ?? s.state}`,
        fix: lame
          ? `configure ${z.apex} on ${s.ns}, or remove ${s.ns} from the NS records and the registrar's delegation`
          : `check that ${s.ns} is running and reachable on UDP and TCP port 53`,
      });
    }
  }
  for (const g of z.glueMismatch) {
    out.push({
      level: 'warning',
      code: 'glue-mismatch',
      subject: g.ns,
      message: `the parent zone's glue for ${g.ns} says ${g.glue.join(', ')}, but ${g.ns} resolves to ${g.actual.join(', ')}`,
      fix: `update the glue (the name server's "host record" at the registrar) to ${g.actual.join(', ')}, or fix the address in the zone`,
    });
  }
  if (z.serials.length > 1) {
    const behind = z.servers.filter(
      (s) => s.serial !== undefined && s.serial !== z.serials[z.serials.length - 1],
    );
    out.push({
      level: 'warning',
      code: 'serial-mismatch',
      subject: z.apex,
      message: `the servers of ${z.apex} hold different versions of the zone (serials ${z.serials.join(', ')}); behind: ${behind.map((s) => `${s.ns} (${s.address}) at ${s.serial}`).join(', ')}`,
      fix: 'wait for the zone transfer to finish, or check NOTIFY/transfers from the primary to these servers',
    });
  }
  return out;
}

export function recordFindings(r: RecordReport, l: RecordLookup): Finding[] {
  const subject = `${r.name} ${r.type}`;
  const want = r.type === 'SRV' ? r.expected.map(srvText) : r.expected;
  const line = `${r.name}. ${r.type} ${want.join(' / ')}`;
  const out: Finding[] = [];
  const level = r.required ? 'error' : 'info';
  if (l.failure) {
    out.push({
      level,
      code: `zone-${l.failure.state}`,
      subject,
      message: l.failure.detail,
      fix: 'check the domain registration and its name servers',
    });
    return out;
  }
  if (r.state !== 'ok' && r.state !== 'unreachable') {
    const bad = r.authoritative.filter((a) => a.state !== 'ok' && a.state !== 'unreachable');
    const who = bad.map((a) => `${a.server} (${a.address}): ${a.state}${a.detail ? `, ${a.detail}` : ''}`);
    const allBad = bad.length === r.authoritative.filter((a) => a.state !== 'unreachable').length;
    const viaCname = bad.find((a) => a.chain.length > 0 && a.state === 'wrong');
    const fix = viaCname
      ? `${r.name} is a CNAME (${[r.name, ...viaCname.chain].join(' > ')}): correct the address at ${viaCname.chain[viaCname.chain.length - 1]}, or replace the CNAME with: ${line}`
      : fixFor(r.state, line, allBad);
    out.push({
      level: r.deprecated ? 'info' : level,
      code: `record-${r.state}`,
      subject,
      message: `${allBad ? '' : 'some servers disagree: '}${who.join('; ')}`,
      fix,
    });
  }
  if (r.state === 'unreachable') {
    out.push({
      level: 'warning',
      code: 'record-unreachable',
      subject,
      message: 'no authoritative server could be reached from here (no route)',
      fix: 'run the check from a machine with IPv4 and IPv6 connectivity',
    });
  }
  const soft = r.public.filter((a) => PUBLIC_SOFT.includes(a.state));
  for (const a of soft) {
    out.push({
      level: 'warning',
      code: 'resolver-unavailable',
      subject: `${a.server}`,
      message: `resolver ${a.server} (${a.address}) gave no usable answer for ${subject}: ${a.state}`,
      fix: 'a firewall may block it; the verdict ignores it',
    });
  }
  const lagging = r.public.filter((a) => a.state !== 'ok' && !PUBLIC_SOFT.includes(a.state));
  if (lagging.length > 0) {
    out.push({
      level: r.required ? 'error' : 'info',
      code: 'public-not-converged',
      subject,
      message: `the authoritative servers are right, but ${lagging.map((a) => `${a.server}: ${a.state}${a.values.length ? ` (${a.values.join(', ')})` : ''}`).join('; ')}`,
      fix: r.convergeBy
        ? `wait: their cached answers expire by ${r.convergeBy} (run with --wait)`
        : 'wait for the cached answers to expire (run with --wait)',
    });
  }
  return out;
}

function srvText(v: string): string {
  const [target, port] = v.split(':');
  return `10 0 ${port} ${target}.`;
}

function fixFor(state: RecordState, line: string, allBad: boolean): string {
  switch (state) {
    case 'wrong':
      return allBad
        ? `change the record to: ${line}`
        : `some servers still serve an old copy; wait for the zone to reach them, or fix: ${line}`;
    case 'nxdomain':
    case 'nodata':
      return `create the record at your DNS provider: ${line}`;
    case 'cname-loop':
      return 'break the CNAME loop: point the chain at a name with an A record';
    case 'lame':
      return 'the listed servers do not serve the zone: fix the delegation (NS records and registrar) or the server configuration';
    case 'servfail':
      return 'the server failed to answer (zone not loaded, or DNSSEC broken): check the zone on that server';
    case 'refused':
      return 'the server refuses to answer for this name: it does not serve the zone';
    default:
      return 'check that the name servers are running and reachable on UDP and TCP port 53';
  }
}
