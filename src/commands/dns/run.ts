import { isIPv4, isIPv6 } from 'node:net';
import { interruptOnSignals } from '../../adapters/signals.js';
import { journal } from '../../case/journal.js';
import { loadCase } from '../../config/load.js';
import { configFor, fallbackServers } from '../../config/servers.js';
import { addressWarnings, checkDomain } from '../../config/validators.js';
import { checkDns, waitForDns } from '../../dns/check.js';
import { type PreparedCheck, prepareCaseCheck } from '../../dns/gate.js';
import { type DnsTarget, expectedRecords } from '../../dns/records.js';
import { progressLine, renderReport, reportJson } from '../../dns/report.js';
import { type DnsSettings, envLayer, resolveSettings, type SettingsLayer } from '../../dns/settings.js';
import type { DnsReport } from '../../dns/types.js';
import { type RecordToCreate, recordsForTarget, recordsText, recordsToCreate } from '../../dns/zone-file.js';
import { ExitCode, ExitError, InterruptedError, UserError } from '../../errors.js';
import { colourEnabled } from '../../ui/colour.js';
import { nextCommand } from '../../ui/next.js';
import type { Output } from '../../ui/output.js';
import type { GlobalOptions } from '../context.js';
import type { DnsCheckFlags } from './command.js';
import { cannotSee, skipHint } from './way-on.js';

export interface DnsCheckRequest {
  opts: DnsCheckFlags;
  /** Where commander took negatable flags from ("cli" when given). */
  explicit: Record<string, string | undefined>;
  globals: GlobalOptions;
  out: Output;
  env?: NodeJS.ProcessEnv;
  stderr?: { isTTY?: boolean; write(s: string): boolean };
}

export async function runDnsCheck(req: DnsCheckRequest): Promise<void> {
  const { opts, globals, out } = req;
  const env = req.env ?? process.env;
  const stderr = req.stderr ?? process.stderr;
  const flagLayer = flags(opts, req.explicit);
  const wait = opts.wait
    ? { timeoutMs: duration(opts.timeout, '--timeout'), intervalMs: interval(opts.interval, '--interval') }
    : undefined;

  checkIps(opts);
  let prepared: PreparedCheck;
  let journalFile: string | undefined;
  // What to create, known offline: printed whenever the check cannot see the records.
  let needed: RecordToCreate[];
  let caseRoot: string | undefined;
  /** Fallback servers' checks (docs/fallback.md), run after the main one. */
  const more: { prepared: PreparedCheck; needed: RecordToCreate[] }[] = [];
  if (opts.domain !== undefined) {
    const d = checkDomain(opts.domain);
    if (d.error || !d.value) throw new UserError(`--domain: ${d.error}`);
    if (!opts.ip && !opts.ipv6) {
      throw new UserError(
        '--domain needs the server address: add --ip <ipv4> (and --ipv6 <ipv6> if it has one)',
      );
    }
    const target: DnsTarget = {
      domain: d.value,
      ...(opts.ip ? { ipv4: opts.ip } : {}),
      ...(opts.ipv6 ? { ipv6: opts.ipv6 } : {}),
      element: opts.element ?? true,
      serveBaseDomain: opts.serveBaseDomain ?? true,
      srvDelegation: opts.srvDelegation ?? false,
    };
    const options = { domain: d.value, ...(await resolveSettings([flagLayer, envLayer(env)])) };
    prepared = { target, expected: expectedRecords(target), options };
    needed = recordsForTarget(target);
  } else {
    const loaded = await loadCase(globals.case);
    journalFile = loaded.paths.journal;
    caseRoot = loaded.paths.root;
    for (const w of [...loaded.warnings, ...addressWarnings(loaded.config)]) out.warn(w);
    needed = recordsToCreate({
      ...loaded.config,
      server: {
        ...loaded.config.server,
        ...(opts.ip ? { address: opts.ip } : {}),
        ...(opts.ipv6 ? { ipv6: opts.ipv6 } : {}),
      },
    });
    prepared = await prepareCaseCheck(loaded.config, {
      ...(opts.ip ? { ipv4: opts.ip } : {}),
      ...(opts.ipv6 ? { ipv6: opts.ipv6 } : {}),
      flags: flagLayer,
      env,
      note: (text) => out.info(text),
    }).catch((err: unknown) => {
      throw cannotSee(err, needed, loaded.config.domain, caseRoot, out);
    });
    for (const s of fallbackServers(loaded.config)) {
      const fb = configFor(loaded.config, s);
      const fbNeeded = recordsToCreate(fb);
      const fbPrepared = await prepareCaseCheck(fb, {
        flags: flagLayer,
        env,
        note: (text) => out.info(text),
      }).catch((err: unknown) => {
        throw cannotSee(err, fbNeeded, fb.domain, caseRoot, out);
      });
      more.push({ prepared: fbPrepared, needed: fbNeeded });
    }
  }
  const colour = colourEnabled(stderr as { isTTY?: boolean }, env);
  const items = [{ prepared, needed }, ...more];
  const check = (item: (typeof items)[number]) =>
    checkOne(item.prepared, item.needed, wait, stderr, out, caseRoot);
  const reports: DnsReport[] = [];
  if (wait) {
    // One server after the other: each --wait has its own live progress line.
    for (const item of items) {
      const r = await check(item);
      out.info(renderReport(r, colour));
      reports.push(r);
    }
  } else {
    // One check each: every server at once (as deploy's gate does), the reports in order.
    reports.push(...(await Promise.all(items.map(check))));
    for (const r of reports) out.info(renderReport(r, colour));
  }
  const report = reports[0]!;
  const ready = reports.every((r) => r.ready);
  const asJson = (r: DnsReport) => JSON.parse(reportJson(r)) as Record<string, unknown>;
  // With fallback servers: one document, each server's report under "servers".
  const body = more.length === 0 ? asJson(report) : { ready, servers: reports.map(asJson) };
  if (globals.json && ready) out.data(JSON.stringify({ ok: true, ...body }, null, 2));
  if (journalFile) {
    await journal(journalFile, {
      command: 'dns check',
      result: ready ? 'ok' : 'failed',
      exit_code: ready ? ExitCode.OK : ExitCode.NOT_READY,
      duration_ms: Math.max(...reports.map((r) => r.durationMs)),
      ready,
      problems: reports.flatMap((r) =>
        r.findings.filter((f) => f.level === 'error').map((f) => `${f.subject}: ${f.code}`),
      ),
    });
  }
  if (!ready) {
    items.forEach((item, i) => {
      const r = reports[i]!;
      if (r.ready) return;
      const missing = new Set(
        r.records.filter((x) => x.required && x.state !== 'ok').map((x) => `${x.name} ${x.type}`),
      );
      const toFix = item.needed.filter((x) => missing.has(`${x.name} ${x.type}`) || x.type === 'CNAME');
      for (const line of recordsText(toFix.length > 0 ? toFix : item.needed, item.prepared.target.domain))
        out.info(line);
    });
    const hint = skipHint(caseRoot);
    out.info(`\nhint: ${hint}`);
    throw new ExitError(ExitCode.NOT_READY, {
      error: 'DNS is not ready',
      hint,
      ...(caseRoot ? { next: nextCommand('dns check --wait', caseRoot) } : {}),
      data: { ...body, records_to_create: items.flatMap((item) => item.needed) },
    });
  }
}

/** Check (or, with --wait, wait for) one server's records. */
async function checkOne(
  prepared: PreparedCheck,
  needed: RecordToCreate[],
  wait: { timeoutMs: number; intervalMs: number } | undefined,
  stderr: { isTTY?: boolean; write(s: string): boolean },
  out: Output,
  caseRoot: string | undefined,
): Promise<DnsReport> {
  const { expected, options } = prepared;
  const domain = prepared.target.domain;
  let report: DnsReport;
  if (wait) {
    const interrupt = interruptOnSignals();
    const progress = liveProgress(stderr, out);
    try {
      report = await waitForDns(
        expected,
        { ...options, signal: interrupt.signal },
        { ...wait, onRound: progress.round },
      );
    } catch (err) {
      if (interrupt.signal.aborted) throw new InterruptedError('interrupted: the DNS check stopped waiting.');
      throw err;
    } finally {
      progress.stop();
      interrupt.dispose();
    }
  } else {
    report = await checkDns(expected, options).catch((err: unknown) => {
      throw cannotSee(err, needed, domain, caseRoot, out);
    });
  }
  return report;
}

/**
 * --wait progress. On a TTY one line is redrawn every second with a countdown to the next round;
 * otherwise one line per round.
 */
export function liveProgress(
  stderr: { isTTY?: boolean; write(s: string): boolean },
  out: Output,
): { round: (r: DnsReport, round: number, nextAt: Date | undefined) => void; stop: () => void } {
  const tty = stderr.isTTY === true;
  let ticker: NodeJS.Timeout | undefined;
  const stop = () => {
    if (ticker) clearInterval(ticker);
    ticker = undefined;
  };
  return {
    stop,
    round(report, round, nextAt) {
      stop();
      const line = progressLine(report, round, nextAt);
      if (!tty) return out.info(line);
      const draw = () => {
        const left = nextAt ? Math.max(0, Math.ceil((nextAt.getTime() - Date.now()) / 1000)) : 0;
        stderr.write(`\r\x1b[2K${line}${nextAt ? ` (in ${left}s)` : '\n'}`);
      };
      draw();
      if (nextAt) {
        ticker = setInterval(draw, 1000);
        ticker.unref();
      }
    },
  };
}

function checkIps(opts: DnsCheckFlags): void {
  if (opts.ip !== undefined && !isIPv4(opts.ip)) {
    throw new UserError(`--ip: "${opts.ip}" is not an IPv4 address (like 203.0.113.10)`);
  }
  if (opts.ipv6 !== undefined && !isIPv6(opts.ipv6)) {
    throw new UserError(`--ipv6: "${opts.ipv6}" is not an IPv6 address (like 2001:db8::10)`);
  }
}

function flags(opts: DnsCheckFlags, explicit: Record<string, string | undefined>): SettingsLayer {
  const values: DnsSettings = {};
  if (opts.root.length > 0) values.roots = opts.root;
  if (opts.resolver.length > 0) values.resolvers = opts.resolver;
  if (explicit.systemResolver === 'cli') values.systemResolver = opts.systemResolver !== false;
  const int = (v: string | undefined, name: string, min: number, max: number) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new UserError(`${name}: must be a whole number from ${min} to ${max}, got ${JSON.stringify(v)}`);
    }
    return n;
  };
  const port = int(opts.authPort, '--auth-port', 1, 65535);
  const timeout = int(opts.queryTimeout, '--query-timeout', 1, 60000);
  const retries = int(opts.retries, '--retries', 0, 10);
  if (port !== undefined) values.authPort = port;
  if (timeout !== undefined) values.queryTimeoutMs = timeout;
  if (retries !== undefined) values.retries = retries;
  return {
    source: 'flag',
    names: {
      roots: '--root',
      resolvers: '--resolver',
      systemResolver: '--no-system-resolver',
      authPort: '--auth-port',
      queryTimeoutMs: '--query-timeout',
      retries: '--retries',
    },
    values,
  };
}

/** A pause between checks: a duration above zero (zero would re-check in a tight loop). */
export function interval(text: string, name: string): number {
  const ms = duration(text, name);
  if (ms <= 0) throw new UserError(`${name}: must be more than 0, got "${text}"; use e.g. 10s`);
  return ms;
}

/** "30m", "90s", "1h", "500ms", "45" (seconds). */
export function duration(text: string, name: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new UserError(`${name}: "${text}" is not a duration; use e.g. 30m, 90s, 1h or 500ms`);
  const unit = { ms: 1, s: 1000, m: 60000, h: 3600000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(m[1]) * unit);
}
