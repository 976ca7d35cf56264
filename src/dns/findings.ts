import { isSubdomain } from './names.js';
import type { Finding, ZoneServer, ZoneView } from './types.js';

/**
 * Zone findings: one per server problem (lame, dead, UDP blocked), per stale glue, per NS-set
 * mismatch and per out-of-date copy, each naming the server and the exact fix. Record findings
 * (advice.ts) do not repeat them.
 */

const who = (s: Pick<ZoneServer, 'ns' | 'address'>) => `${s.ns} (${s.address})`;

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
      fix: 'make both lists the same: set the name servers at the registrar and the NS records in the zone to one set',
    });
  }
  for (const s of z.servers) {
    if (s.glueOnly) continue; // said by the glue finding below
    const f = serverFinding(s, z.apex);
    if (f) out.push(f);
  }
  for (const g of z.glueMismatch) out.push(glueFinding(g, z));
  const current = z.servers.filter((s) => !s.glueOnly && s.state === 'ok' && s.serial !== undefined);
  const serials = [...new Set(current.map((s) => s.serial!))].sort((a, b) => a - b);
  if (serials.length > 1) {
    const top = serials[serials.length - 1]!;
    const behind = current.filter((s) => s.serial !== top);
    out.push({
      level: 'warning',
      code: 'serial-mismatch',
      subject: z.apex,
      message: `the servers of ${z.apex} hold different versions of the zone (newest serial ${top}); behind: ${behind.map((s) => `${who(s)} at ${s.serial}`).join(', ')}`,
      fix: `wait for the zone transfer to reach ${[...new Set(behind.map((s) => s.ns))].join(', ')}, or check NOTIFY and zone transfers from the primary to it`,
    });
  }
  return out;
}

/** A server that failed the zone probe, or answers over TCP only: one finding, with the time spent. */
export function serverFinding(s: ZoneServer, apex: string): Finding | undefined {
  const subject = who(s);
  if (s.state === 'ok') {
    if (!s.udpBlocked) return undefined;
    return {
      level: 'error',
      code: 'udp-blocked',
      subject,
      message: `answers over TCP but not over UDP: ${s.udpBlocked}; resolvers and Let's Encrypt ask over UDP first`,
      fix: `open UDP port 53 to ${s.address} (firewall, security group or provider setting)`,
    };
  }
  if (s.state === 'unreachable') return undefined;
  const remove = `or remove ${s.ns} from the zone's NS records and from the registrar's list of name servers`;
  if (s.address === '-') {
    return {
      level: 'error',
      code: 'ns-no-address',
      subject: s.ns,
      message: `name server ${s.ns} has no A or AAAA record, so nobody can ask it`,
      fix: `add the address of ${s.ns} (A/AAAA record, and glue at the registrar if it is inside ${apex}), ${remove}`,
    };
  }
  if (s.state === 'lame' || s.state === 'refused') {
    return {
      level: 'error',
      code: 'lame-server',
      subject,
      message: `lame for ${apex}: ${s.detail ?? s.state}`,
      fix: `configure ${apex} on ${s.ns}, ${remove}`,
    };
  }
  const dead = s.state === 'timeout';
  return {
    level: 'error',
    code: dead ? 'server-dead' : 'server-failing',
    subject,
    message: `${dead ? 'did not answer' : `failed (${s.state})`} for ${apex}; ${s.ms} ms spent${s.detail ? `: ${s.detail}` : ''}`,
    fix: dead
      ? `check that ${s.ns} is running and reachable on UDP and TCP port 53, ${remove}`
      : `check the zone ${apex} on ${s.ns} (zone not loaded, or DNSSEC broken), ${remove}`,
  };
}

/** The parent's glue leads elsewhere than the zone says: what does the glue address serve? */
function glueFinding(g: ZoneView['glueMismatch'][number], z: ZoneView): Finding {
  const top = z.serials[z.serials.length - 1];
  const stale = g.glue.filter((a) => !g.actual.includes(a));
  const serves = stale.map((address) => {
    const s = z.servers.find((x) => x.ns === g.ns && x.address === address);
    if (!s) return { address, harm: true, text: `${address} was not asked` };
    if (s.state === 'ok') {
      const old = top !== undefined && s.serial !== undefined && s.serial < top;
      return old
        ? {
            address,
            harm: true,
            text: `${address} still answers for ${z.apex} with an old copy (serial ${s.serial}, newest ${top}), so resolvers that follow the glue get old answers`,
          }
        : { address, harm: false, text: `${address} serves the current zone too (serial ${s.serial})` };
    }
    return {
      address,
      harm: true,
      text: `${address} ${s.state === 'timeout' ? 'does not answer' : `is ${s.state}`}: ${s.detail ?? s.state}`,
    };
  });
  const harm = serves.some((s) => s.harm);
  const retire = serves.filter(
    (s) => s.harm && z.servers.some((x) => x.address === s.address && x.state === 'ok'),
  );
  return {
    level: harm ? 'error' : 'warning',
    code: 'glue-mismatch',
    subject: g.ns,
    message: `the parent zone ${z.parent ?? ''} gives ${g.ns} the glue address ${g.glue.join(', ')}, but ${z.apex} says ${g.actual.join(', ')}${serves.length ? `; ${serves.map((s) => s.text).join('; ')}` : ''}`,
    fix: `at the registrar, set the glue ("host record") of ${g.ns} to ${g.actual.join(', ')}${retire.length ? `; then stop serving ${z.apex} at ${retire.map((s) => s.address).join(', ')}` : ''}`,
  };
}
