import { srvData } from './records.js';
import type { Finding, RecordReport, RecordState, ServerAnswer, ZoneView } from './types.js';

/**
 * Record findings, with advice written per class of problem: a missing record (create it), a
 * wildcard answering for a missing record (create it; the wildcard hides the gap), an extra
 * address (delete it), a wrong one (change it), servers that disagree under the same serial (not
 * copies of one zone: fix the odd one) or under different serials (wait for the transfer), a
 * wrong answer reached only through stale glue (fix the glue), and public resolvers that still
 * cache an old answer (wait, with an estimate). Server problems (lame, dead) are zone findings.
 */

const PUBLIC_SOFT: readonly RecordState[] = ['timeout', 'unreachable', 'refused', 'malformed'];
/** The default --wait timeout: beyond it, "run with --wait" needs a longer --timeout. */
export const DEFAULT_WAIT_MS = 30 * 60 * 1000;

export interface AdviceContext {
  zone?: ZoneView;
  /** What a random name under the domain gets (A values), when a wildcard exists. */
  wildcard?: string[];
  now: Date;
}

export function recordLine(r: Pick<RecordReport, 'name' | 'type' | 'expected'>, values = r.expected): string {
  const want = r.type === 'SRV' ? values.map((v) => `${srvData(v)}.`) : values;
  return `${r.name}. ${r.type} ${want.join(' / ')}`;
}

const said = (a: ServerAnswer) =>
  `${a.server} (${a.address}): ${a.values.length ? a.values.join(', ') : a.state}`;

export function recordFindings(r: RecordReport, ctx: AdviceContext): Finding[] {
  const subject = `${r.name} ${r.type}`;
  const line = recordLine(r);
  const out: Finding[] = [];
  const level = r.deprecated || !r.required ? 'info' : 'error';
  const counted = r.authoritative.filter((a) => a.state !== 'unreachable' && !a.notAsked);
  const bad = counted.filter((a) => a.state !== 'ok');
  if (r.state !== 'ok' && r.state !== 'unreachable' && counted.length === 0 && r.authoritative.length > 0) {
    out.push({
      level,
      code: 'record-no-server',
      subject,
      message: `no server of ${r.zone ?? 'the zone'} could be asked (see the server problems)`,
      fix: 'fix the name servers named above',
    });
  } else if (bad.length > 0) {
    out.push({ level, subject, ...classify(r, bad, counted, ctx, line) });
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
  for (const a of r.public.filter((x) => PUBLIC_SOFT.includes(x.state))) {
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
    const eta = r.convergeBy ? Date.parse(r.convergeBy) - ctx.now.getTime() : undefined;
    const longer = eta !== undefined && eta > DEFAULT_WAIT_MS ? ` --timeout ${roundUp(eta)}` : '';
    out.push({
      level,
      code: 'public-not-converged',
      subject,
      message: `the authoritative servers are right, but ${lagging.map((a) => `${a.server}: ${a.state}${a.values.length ? ` (${a.values.join(', ')})` : ''}`).join('; ')}`,
      fix: r.convergeBy
        ? `wait: their cached answers expire by ${r.convergeBy} (in ${human(eta!)}; run with --wait${longer})`
        : 'wait for the cached answers to expire (run with --wait)',
    });
  }
  return out;
}

function classify(
  r: RecordReport,
  bad: ServerAnswer[],
  counted: ServerAnswer[],
  ctx: AdviceContext,
  line: string,
): Pick<Finding, 'code' | 'message' | 'fix'> {
  const good = counted.filter((a) => a.state === 'ok');
  const names = (xs: ServerAnswer[]) => [...new Set(xs.map((a) => `${a.server} (${a.address})`))].join(', ');
  const list = bad.map((a) => `${a.server} (${a.address}): ${a.state}${a.detail ? `, ${a.detail}` : ''}`);
  // Wrong only where the parent's stale glue leads.
  if (bad.every((a) => a.glueOnly)) {
    return {
      code: `record-${r.state}`,
      message: `${list.join('; ')}; this server is reached only through the parent's stale glue`,
      fix: 'fix the glue at the registrar (see the glue finding); the zone itself is right',
    };
  }
  // Some servers right, some not: under one serial they are not copies of one zone.
  if (good.length > 0) {
    const serial = (a: ServerAnswer) => ctx.zone?.servers.find((s) => s.address === a.address)?.serial;
    const all = [...good, ...bad].map(serial);
    const same = all.every((s) => s !== undefined && s === all[0]);
    if (same) {
      return {
        code: 'record-diverged',
        message: `servers with the same zone serial ${all[0]} answer differently: ${[...good, ...bad].map(said).join('; ')}`,
        fix: `${names(bad)} ${bad.length === 1 ? 'is' : 'are'} not a copy of ${names(good)} (separate providers, or edited by hand without zone transfer): make ${names(bad)} serve ${line}, and let one primary feed every server`,
      };
    }
    return {
      code: 'record-stale',
      message: `some servers still hold an old copy of the zone: ${list.join('; ')}`,
      fix: `${names(bad)} ${bad.length === 1 ? 'is' : 'are'} behind (see the serials): wait for the zone transfer, or check NOTIFY and transfers from the primary`,
    };
  }
  const first = bad[0]!;
  const values = [...new Set(bad.flatMap((a) => a.values))].sort();
  if (
    r.state === 'wrong' &&
    ctx.wildcard?.length &&
    bad.every((a) => a.chain.length === 0) &&
    values.join() === [...ctx.wildcard].sort().join()
  ) {
    return {
      code: 'record-wildcard',
      message: `${r.name} has no ${r.type} record of its own: the wildcard *.${r.zone ?? ''} answers for it with ${values.join(', ')}`,
      fix: `create the record at your DNS provider: ${line}`,
    };
  }
  const viaCname = bad.find((a) => a.chain.length > 0 && a.state === 'wrong');
  if (viaCname) {
    return {
      code: 'record-wrong',
      message: list.join('; '),
      fix: `${r.name} is a CNAME (${[r.name, ...viaCname.chain].join(' > ')}): correct the address at ${viaCname.chain[viaCname.chain.length - 1]}, or replace the CNAME with: ${line}`,
    };
  }
  if (
    r.state === 'wrong' &&
    r.type !== 'SRV' &&
    r.expected.every((e) => values.includes(e)) &&
    bad.every((a) => a.values.length > r.expected.length)
  ) {
    const extra = values.filter((v) => !r.expected.includes(v));
    return {
      code: 'record-extra',
      message: `${r.name} has ${r.type} ${extra.join(', ')} besides ${r.expected.join(', ')}: some clients and Let's Encrypt would go there`,
      fix: `delete ${recordLine(r, extra)} (keep ${line})`,
    };
  }
  return { code: `record-${r.state}`, message: list.join('; '), fix: fixFor(first.state, line) };
}

function fixFor(state: RecordState, line: string): string {
  switch (state) {
    case 'wrong':
      return `change the record to: ${line}`;
    case 'nxdomain':
    case 'nodata':
      return `create the record at your DNS provider: ${line}`;
    case 'cname-loop':
      return 'break the CNAME loop: point the chain at a name with an A record';
    case 'servfail':
      return 'the server failed to answer (zone not loaded, or DNSSEC broken): check the zone on that server';
    case 'refused':
    case 'lame':
      return 'the server does not serve this name: fix the delegation (NS records and registrar) or the server configuration';
    default:
      return 'check that the name servers are running and reachable on UDP and TCP port 53';
  }
}

/** "23 h 59 min", "4 min", "40 s". */
export function human(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  return `${Math.floor(m / 60)} h${m % 60 ? ` ${m % 60} min` : ''}`;
}

/** A --timeout value at least `ms`: "25h", "45m". */
export function roundUp(ms: number): string {
  const m = Math.ceil(ms / 60000);
  return m <= 120 ? `${m}m` : `${Math.ceil(m / 60)}h`;
}
