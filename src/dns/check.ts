import { setMaxListeners } from 'node:events';
import type { BlockList } from 'node:net';
import { type Clock, systemClock } from '../adapters/clock.js';
import { FailureError, UserError } from '../errors.js';
import { DEFAULT_WAIT_MS, human, recordFindings, roundUp } from './advice.js';
import { AuthoritativeView, type RecordLookup } from './authoritative.js';
import { caaFindings } from './caa.js';
import { type ClientOptions, createClient, type DnsClient, type Server } from './client.js';
import { zoneFindings } from './findings.js';
import { compare, convergence, judgeRecord } from './judge.js';
import { DnsNameError, toAsciiName } from './names.js';
import { publicLookup, type ResolverSpec } from './public.js';
import type { ExpectedRecord } from './records.js';
import { Walker } from './resolver.js';
import { ROOT_SERVERS } from './roots.js';
import { strayFindings } from './stray.js';
import {
  cloudflareFindings,
  deprecatedSrvFindings,
  loadCloudflareRanges,
  srvTargetFindings,
  wildcardCheck,
} from './traps.js';
import type { DnsReport, Finding, ZoneView } from './types.js';

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
  const { walker, close } = openWalker(options);
  const auth = new AuthoritativeView(walker);
  try {
    // The record lookups go first; the trap lookups start once the domain's zone cut is known,
    // so they begin at the zone's servers instead of adding a second wave of queries at the roots.
    const pending = Promise.all(expected.map((e) => auth.lookup(toAsciiName(e.name), e.type)));
    const certNames = [...new Set(expected.filter((e) => e.type !== 'SRV').map((e) => toAsciiName(e.name)))];
    const trapsEarly = walker.walk(domain, 'SOA').then(() =>
      Promise.all([
        caaFindings(auth, certNames),
        wildcardCheck(auth, domain, certNames),
        strayFindings(
          auth,
          expected.map((e) => ({ ...e, name: toAsciiName(e.name) })),
        ),
      ]),
    );
    const cloudflareData: Promise<BlockList | Error> = options.cloudflare
      ? Promise.resolve(options.cloudflare)
      : loadCloudflareRanges().catch((err: Error) => err);
    const lookups = await pending;
    const cloudflare = await cloudflareData;

    const rootFailure = lookups.every((l) => l.failure?.atRoot);
    if (lookups.length > 0 && rootFailure) {
      throw new FailureError(`DNS check could not run: ${lookups[0]!.failure!.detail}`, {
        hint: 'UDP and TCP port 53 must reach the internet unaltered; otherwise run the check elsewhere, or point --root at servers you can reach (docs/dns.md).',
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

    const findings: Finding[] = [...walkFailures(records, lookups)];
    for (const z of zones) findings.push(...zoneFindings(z, domain));
    const [caa, wildcard, stray] = await trapsEarly;
    for (const [i, r] of records.entries()) {
      if (lookups[i]!.failure) continue;
      const zone = zones.find((z) => z.apex === r.zone);
      findings.push(
        ...recordFindings(r, { ...(zone ? { zone } : {}), wildcard: wildcard.values, now: checkedAt }),
      );
    }
    findings.push(
      ...stray,
      ...caa,
      ...wildcard.findings,
      ...(await srvTargetFindings(walker, records)),
      ...deprecatedSrvFindings(records),
      ...(cloudflare instanceof Error
        ? [
            {
              level: 'warning' as const,
              code: 'cloudflare-data-missing',
              subject: 'data/cloudflare-ranges.json',
              message: `the Cloudflare ranges could not be read (${cloudflare.message}); proxied addresses are not detected`,
              fix: 'reinstall matrix-oob',
            },
          ]
        : cloudflareFindings(records, cloudflare)),
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
    close();
  }
}

/**
 * The walker of one check or lookup. Its queries stop when the caller's signal aborts, and
 * `close` stops those still in flight (queries that lost a race) once the work is done.
 */
function openWalker(options: DnsCheckOptions): { walker: Walker; close: () => void } {
  const cancel = new AbortController();
  // Every in-flight query listens on this signal.
  setMaxListeners(0, cancel.signal);
  const onAbort = () => cancel.abort();
  if (options.signal?.aborted) cancel.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const walker = new Walker({
    roots: options.roots ?? [...ROOT_SERVERS],
    authPort: options.authPort ?? 53,
    client: options.client ?? createClient(options.clientOptions),
    signal: cancel.signal,
  });
  return {
    walker,
    close: () => {
      cancel.abort();
      options.signal?.removeEventListener('abort', onAbort);
    },
  };
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
    const eta = report.convergeBy ? Date.parse(report.convergeBy) - clock.now().getTime() : 0;
    if (!report.ready && left > 0 && eta > left) {
      // The resolvers' caches outlive the deadline: waiting would only time out.
      report.findings.push({
        level: 'warning',
        code: 'wait-too-short',
        subject: '--wait',
        message: `public resolvers may keep their old answer until ${report.convergeBy} (in ${human(eta)}), after the --wait deadline (in ${human(left)}): stopped waiting`,
        fix: `check again after ${report.convergeBy}, or wait that long: --wait --timeout ${roundUp(Math.max(eta, DEFAULT_WAIT_MS))}`,
      });
      wait.onRound?.(report, round, undefined);
      return report;
    }
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

/** A zone that could not be found: one finding per zone and cause, naming the records it blocks. */
function walkFailures(
  records: { name: string; type: string; required: boolean }[],
  lookups: RecordLookup[],
): Finding[] {
  const groups = new Map<
    string,
    { failure: NonNullable<RecordLookup['failure']>; subjects: string[]; required: boolean }
  >();
  lookups.forEach((l, i) => {
    if (!l.failure) return;
    const key = `${l.failure.zone}\n${l.failure.detail}`;
    const g = groups.get(key) ?? { failure: l.failure, subjects: [], required: false };
    g.subjects.push(`${records[i]!.name} ${records[i]!.type}`);
    g.required ||= records[i]!.required;
    groups.set(key, g);
  });
  return [...groups.values()].map((g) => ({
    level: g.required ? 'error' : 'info',
    code: `zone-${g.failure.state}`,
    subject: g.subjects.join(', '),
    message: g.failure.detail,
    fix:
      g.failure.state === 'lame'
        ? `the name servers of ${g.failure.zone} do not serve it: set the right name servers at the registrar, or configure the zone on them`
        : `make the name servers of ${g.failure.zone} answer (check they run and are reachable on UDP and TCP port 53)`,
  }));
}

function uniqueZones(lookups: RecordLookup[]): ZoneView[] {
  const out: ZoneView[] = [];
  for (const l of lookups) if (l.zone && !out.some((z) => z.apex === l.zone!.apex)) out.push(l.zone);
  return out;
}

/** The addresses of a host name (server.address), by our own authoritative lookups. */
export async function resolveHost(
  host: string,
  options: DnsCheckOptions,
): Promise<{ ipv4?: string; ipv6?: string }> {
  const { walker, close } = openWalker(options);
  try {
    const w = await walker.walk(toAsciiName(host), 'A');
    if (!w.ok && w.atRoot) {
      throw new FailureError(`cannot resolve server.address ${host}: ${w.detail}`, {
        hint: 'pass the server address with --ip, or run the check where DNS is not intercepted',
      });
    }
    const [a, aaaa] = await Promise.all([
      walker.resolve(toAsciiName(host), 'A'),
      walker.resolve(toAsciiName(host), 'AAAA'),
    ]);
    return {
      ...(a.values[0] ? { ipv4: a.values[0] } : {}),
      ...(aaaa.values[0] ? { ipv6: aaaa.values[0] } : {}),
    };
  } finally {
    close();
  }
}
