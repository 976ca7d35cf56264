import { setMaxListeners } from 'node:events';
import type { BlockList } from 'node:net';
import { type Clock, systemClock } from '../adapters/clock.js';
import { FailureError, UserError } from '../errors.js';
import { AuthoritativeView, type RecordLookup } from './authoritative.js';
import { type ClientOptions, createClient, type DnsClient, type Server } from './client.js';
import { DnsNameError, isSubdomain, toAsciiName } from './names.js';
import { publicLookup, type ResolverSpec } from './public.js';
import type { ExpectedRecord } from './records.js';
import { Walker } from './resolver.js';
import { ROOT_SERVERS } from './roots.js';
import {
  caaFindings,
  cloudflareFindings,
  deprecatedSrvFindings,
  loadCloudflareRanges,
  srvTargetFindings,
  wildcardFindings,
} from './traps.js';
import {
  type DnsReport,
  type Finding,
  type RecordReport,
  type RecordState,
  type ServerAnswer,
  worst,
  type ZoneView,
} from './types.js';

/**
 * The DNS readiness check: the API that `dns check`, `deploy` and `up` share.
 *
 *   const report = await checkDns(expectedRecords(target), { domain: target.domain });
 *   if (!report.ready) ...
 *
 * It never throws for DNS problems (they are in the report); it throws FailureError only when
 * the check itself cannot run (no root/parent server answers at all).
 */
export interface DnsCheckOptions {
  /** The base domain (for CAA and wildcard checks). Default: derived from the records. */
  domain?: string;
  /** Where the walk starts. Default: the root servers. */
  roots?: Server[];
  /** The port every authoritative server is asked on. Default 53. */
  authPort?: number;
  /** Recursive resolvers for the public view (system + public). Default: none. */
  resolvers?: ResolverSpec[];
  client?: DnsClient;
  /** Used when no client is given. */
  clientOptions?: Partial<ClientOptions>;
  /** Cloudflare proxy ranges; default: data/cloudflare-ranges.json. */
  cloudflare?: BlockList;
  clock?: Clock;
  signal?: AbortSignal;
}

export async function checkDns(
  expected: ExpectedRecord[],
  options: DnsCheckOptions = {},
): Promise<DnsReport> {
  const clock = options.clock ?? systemClock;
  const started = clock.monotonic();
  const checkedAt = clock.now();
  let domain: string;
  try {
    domain = toAsciiName(options.domain ?? baseOf(expected));
    for (const e of expected) toAsciiName(e.name);
  } catch (err) {
    if (err instanceof DnsNameError) throw new UserError(err.message, { hint: 'use a shorter domain name' });
    throw err;
  }
  const cancel = new AbortController();
  // Every in-flight query listens on this signal.
  setMaxListeners(0, cancel.signal);
  const onAbort = () => cancel.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const walker = new Walker({
    roots: options.roots ?? [...ROOT_SERVERS],
    authPort: options.authPort ?? 53,
    client: options.client ?? createClient(options.clientOptions),
    signal: cancel.signal,
  });
  const auth = new AuthoritativeView(walker);
  try {
    const certNames = [...new Set(expected.filter((e) => e.type !== 'SRV').map((e) => e.name))];
    const trapsEarly = Promise.all([caaFindings(walker, certNames), wildcardFindings(walker, domain)]);
    const cloudflare = options.cloudflare ?? (await loadCloudflareRanges());
    const lookups = await Promise.all(expected.map((e) => auth.lookup(toAsciiName(e.name), e.type)));

    const rootFailure = lookups.every((l) => l.failure?.atRoot);
    if (lookups.length > 0 && rootFailure) {
      throw new FailureError(`DNS check could not run: ${lookups[0]!.failure!.detail}`, {
        hint: 'check the network (UDP and TCP port 53 must be allowed out), or point --root at reachable servers.',
      });
    }

    const records = expected.map((e, i) => judgeRecord(e, lookups[i]!));
    await Promise.all(
      records.map(async (r) => {
        if (r.state !== 'ok' || !options.resolvers?.length) return;
        const answers = await publicLookup(walker, options.resolvers, r.name, r.type);
        r.public = answers.map((a) => compare(a, r));
      }),
    );
    const zones = uniqueZones(lookups);
    for (const r of records) {
      const zone = zones.find((z) => z.apex === r.zone);
      const when = convergence(r, zone, checkedAt);
      if (when) r.convergeBy = when;
    }

    const findings: Finding[] = [];
    for (const z of zones) findings.push(...zoneFindings(z, domain));
    for (const [i, r] of records.entries()) findings.push(...recordFindings(r, lookups[i]!));
    const [caa, wildcard] = await trapsEarly;
    findings.push(
      ...caa,
      ...wildcard,
      ...(await srvTargetFindings(walker, records)),
      ...deprecatedSrvFindings(records),
      ...cloudflareFindings(records, cloudflare),
    );
    const convergeBy = records
      .map((r) => r.convergeBy)
      .filter((x): x is string => x !== undefined)
      .sort()
      .pop();
    return {
      schema: 1,
      domain,
      ready: !findings.some((f) => f.level === 'error'),
      checkedAt: checkedAt.toISOString(),
      durationMs: Math.round(clock.monotonic() - started),
      records,
      zones,
      findings,
      ...(convergeBy ? { convergeBy } : {}),
    };
  } finally {
    // Queries that lost a race are still in flight: close their sockets now.
    cancel.abort();
    options.signal?.removeEventListener('abort', onAbort);
  }
}

export interface WaitOptions {
  /** Give up after this long (ms). */
  timeoutMs: number;
  /** Between rounds (ms). */
  intervalMs: number;
  /** Called after each round, with when the next one starts (undefined after the last). */
  onRound?: (report: DnsReport, round: number, nextAt: Date | undefined) => void;
}

/** `--wait`: re-check until ready or the deadline; returns the last report. */
export async function waitForDns(
  expected: ExpectedRecord[],
  options: DnsCheckOptions,
  wait: WaitOptions,
): Promise<DnsReport> {
  const clock = options.clock ?? systemClock;
  const deadline = clock.monotonic() + wait.timeoutMs;
  for (let round = 1; ; round++) {
    const report = await checkDns(expected, options);
    const left = deadline - clock.monotonic();
    if (report.ready || left <= 0) {
      wait.onRound?.(report, round, undefined);
      return report;
    }
    const pause = Math.min(wait.intervalMs, left);
    wait.onRound?.(report, round, new Date(clock.now().getTime() + pause));
    await clock.sleep(pause, options.signal);
  }
}

function baseOf(expected: ExpectedRecord[]): string {
  const names = expected.map((e) =>
    e.name.replace(/^(matrix|element|_matrix-fed\._tcp|_matrix\._tcp)\./, ''),
  );
  return names.sort((a, b) => a.length - b.length)[0] ?? '.';
}

function uniqueZones(lookups: RecordLookup[]): ZoneView[] {
  const out: ZoneView[] = [];
  for (const l of lookups) if (l.zone && !out.some((z) => z.apex === l.zone!.apex)) out.push(l.zone);
  return out;
}

/** Normalise what a server holds so it compares with the expected values. */
function comparable(r: Pick<RecordReport, 'type'>, values: string[]): string[] {
  if (r.type !== 'SRV') return [...values].sort();
  return [
    ...new Set(
      values.map((v) => {
        const [, , port, target] = v.split(' ');
        return `${target}:${port}`;
      }),
    ),
  ].sort();
}

function compare(a: ServerAnswer, r: RecordReport): ServerAnswer {
  if (a.state !== 'ok') return a;
  const got = comparable(r, a.values);
  const want = [...r.expected].sort();
  if (got.join() !== want.join()) {
    return { ...a, state: 'wrong', detail: `has ${got.join(', ')}; expected ${want.join(', ')}` };
  }
  if (!r.cnameAllowed && a.chain.length > 0) {
    return {
      ...a,
      state: 'wrong',
      detail: `is a CNAME to ${a.chain[0]}; it must be a plain ${r.type} record`,
    };
  }
  return a;
}

function judgeRecord(e: ExpectedRecord, l: RecordLookup): RecordReport {
  const base: RecordReport = {
    name: toAsciiName(e.name),
    type: e.type,
    expected: e.values,
    required: e.required,
    deprecated: e.deprecated ?? false,
    cnameAllowed: e.cnameAllowed,
    purpose: e.purpose,
    ...(l.zone ? { zone: l.zone.apex } : {}),
    state: 'error',
    authoritative: [],
    public: [],
  };
  if (l.failure) return { ...base, state: l.failure.state };
  const authoritative = l.answers.map((a) => compare(a, base));
  return { ...base, authoritative, state: overall(authoritative) };
}

/** All servers must agree on the right value; an address we cannot route to (no IPv6 here) does not count. */
function overall(answers: ServerAnswer[]): RecordState {
  const states = answers.map((a) => a.state);
  if (states.length === 0) return 'error';
  const counted = states.filter((s) => s !== 'unreachable');
  if (counted.length === 0) return 'unreachable';
  return counted.every((s) => s === 'ok') ? 'ok' : worst(counted);
}

/** When the public resolvers that still disagree should have forgotten what they cached. */
function convergence(r: RecordReport, zone: ZoneView | undefined, now: Date): string | undefined {
  let latest = 0;
  for (const a of r.public) {
    if (a.state === 'wrong' || a.state === 'nxdomain' || a.state === 'nodata') {
      const ttl = a.ttl ?? zone?.negativeTtl ?? 0;
      latest = Math.max(latest, ttl);
    }
  }
  return latest > 0 ? new Date(now.getTime() + latest * 1000).toISOString() : undefined;
}

const PUBLIC_SOFT: readonly RecordState[] = ['timeout', 'unreachable', 'refused', 'malformed'];

function zoneFindings(z: ZoneView, domain: string): Finding[] {
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

function recordFindings(r: RecordReport, l: RecordLookup): Finding[] {
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

/** The addresses of a host name (server.address), by our own authoritative lookups. */
export async function resolveHost(
  host: string,
  options: DnsCheckOptions,
): Promise<{ ipv4?: string; ipv6?: string }> {
  const cancel = new AbortController();
  setMaxListeners(0, cancel.signal);
  const walker = new Walker({
    roots: options.roots ?? [...ROOT_SERVERS],
    authPort: options.authPort ?? 53,
    client: options.client ?? createClient(options.clientOptions),
    signal: cancel.signal,
  });
  try {
    const [a, aaaa] = await Promise.all([
      walker.resolve(toAsciiName(host), 'A'),
      walker.resolve(toAsciiName(host), 'AAAA'),
    ]);
    return {
      ...(a.values[0] ? { ipv4: a.values[0] } : {}),
      ...(aaaa.values[0] ? { ipv6: aaaa.values[0] } : {}),
    };
  } finally {
    cancel.abort();
  }
}
