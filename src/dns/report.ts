import { paint } from '../ui/colour.js';
import { abbreviate, WIDTH, wrap } from './text.js';
import type { DnsReport, Finding, RecordReport, RecordState, ServerAnswer } from './types.js';

/**
 * The report, for people (a table on stderr, at most 80 columns: long cells wrap, long server
 * names and IPv6 addresses are abbreviated) and for programs (JSON on stdout, every detail in
 * full). Both carry the same facts: per record and per server the state, the values, TTL and time.
 */

export function reportJson(report: DnsReport): string {
  return JSON.stringify(report, null, 2);
}

const LABEL: Record<RecordState, string> = {
  ok: 'ok',
  wrong: 'WRONG',
  nxdomain: 'NXDOMAIN',
  nodata: 'NODATA',
  servfail: 'SERVFAIL',
  refused: 'REFUSED',
  timeout: 'TIMEOUT',
  malformed: 'MALFORMED',
  lame: 'LAME',
  'cname-loop': 'CNAME LOOP',
  unreachable: 'no route',
  error: 'ERROR',
  skipped: 'skipped',
};

export function stateLabel(state: RecordState, colour: boolean): string {
  const text = LABEL[state];
  if (state === 'ok') return paint('green', text, colour);
  if (state === 'unreachable' || state === 'skipped') return paint('dim', text, colour);
  return paint('red', text, colour);
}

function value(a: ServerAnswer, r: RecordReport): string {
  if (a.notAsked) return 'not asked: server problem below';
  if (a.state === 'cname-loop') return `CNAME ${a.chain.join(' > ')} (loop)`;
  const chain = a.chain.length > 0 ? `CNAME ${a.chain.join(' > ')} > ` : '';
  if (a.values.length > 0) {
    const shown = `${chain}${a.values.join(', ')}`;
    return a.state === 'wrong' ? `${shown} (want ${r.expected.join(', ')})` : shown;
  }
  return `${chain}${a.detail ?? ''}`;
}

const INDENT = '  ';
const GAP = '  ';
/** The server column: "ns1.example.net 192.0.2.53" at most this wide; the value column at least. */
const WHO_MAX = 32;
const VALUE_MIN = 24;

function who(server: string, address: string, max: number): string {
  const addr = abbreviate(address, Math.min(15, Math.max(9, max - 10)));
  if (server === address) return addr;
  return `${abbreviate(server, max - addr.length - 1)} ${addr}`;
}

interface Row {
  server: string;
  address: string;
  resolver: boolean;
  who?: string;
  state: RecordState;
  value: string;
  ttl: string;
  time: string;
}

/** The human report. `colour` false gives plain text (NO_COLOR, pipes, tests). */
export function renderReport(report: DnsReport, colour: boolean): string {
  const groups = report.records.map((r) => {
    const rows: Row[] = [
      ...r.authoritative.map((a) => ({ a, resolver: false })),
      ...r.public.map((a) => ({ a, resolver: true })),
    ].map(({ a, resolver }) => ({
      server: resolver ? `resolver ${a.server}` : a.server,
      address: a.address,
      resolver,
      state: a.state,
      value: value(a, r),
      ttl: a.ttl === undefined ? '' : String(a.ttl),
      time: `${a.ms}ms`,
    }));
    return { head: `${r.name} ${r.type}${r.required ? '' : ' (optional)'}`, rows, r };
  });
  const all = groups.flatMap((g) => g.rows);
  const wState = Math.max(5, ...all.map((x) => LABEL[x.state].length));
  const wTtl = Math.max(3, ...all.map((x) => x.ttl.length));
  const wTime = Math.max(4, ...all.map((x) => x.time.length));
  const fixed = INDENT.length + wState + wTtl + wTime + 3 * GAP.length + 1;
  const natural = Math.max(6, ...all.map((x) => `${x.server} ${x.address}`.length));
  const wWho = Math.min(natural, WHO_MAX, WIDTH - fixed - VALUE_MIN);
  const wValue = WIDTH - fixed - wWho;
  for (const x of all) {
    x.who = x.server === x.address ? abbreviate(x.address, wWho) : who(x.server, x.address, wWho);
  }
  const lines = [
    `${INDENT}${'SERVER'.padEnd(wWho)}${GAP}${'STATE'.padEnd(wState)}${GAP}${'VALUE'.padEnd(wValue)}${GAP}${'TTL'.padStart(wTtl)} ${'TIME'.padStart(wTime)}`.trimEnd(),
  ];
  for (const g of groups) {
    lines.push(g.head);
    if (g.rows.length === 0) {
      lines.push(
        `${INDENT}${g.r.state === 'ok' ? '' : `${stateLabel(g.r.state, colour)}: `}no authoritative server found`,
      );
      continue;
    }
    for (const x of g.rows) {
      const cell = wrap(x.value, wValue);
      const state = stateLabel(x.state, colour) + ' '.repeat(wState - LABEL[x.state].length);
      lines.push(
        `${INDENT}${x.who!.padEnd(wWho)}${GAP}${state}${GAP}${cell[0]!.padEnd(wValue)}${GAP}${x.ttl.padStart(wTtl)} ${x.time.padStart(wTime)}`,
      );
      const pad = INDENT.length + wWho + wState + 2 * GAP.length;
      for (const more of cell.slice(1)) lines.push(`${' '.repeat(pad)}${more}`);
    }
  }
  const out = [`DNS readiness of ${report.domain} (${report.durationMs} ms)`, '', ...lines, ''];
  for (const z of report.zones) {
    const ns = z.childNs.length > 0 ? z.childNs : z.parentNs;
    const serial = z.serials.length > 0 ? `, serial ${z.serials.join('/')}` : '';
    out.push(
      ...wrap(
        `zone ${z.apex}${z.parent ? ` (delegated by ${z.parent})` : ''}: NS ${ns.join(', ') || '?'}${serial}`,
        WIDTH,
        2,
      ),
    );
  }
  if (report.zones.length > 0) out.push('');
  const order: Finding['level'][] = ['error', 'warning', 'info'];
  const findings = [...report.findings].sort((a, b) => order.indexOf(a.level) - order.indexOf(b.level));
  for (const f of findings) {
    const tag = f.level === 'error' ? 'problem' : f.level === 'warning' ? 'warning' : 'note';
    const text = wrap(`${tag}: ${f.subject}: ${f.message}`, WIDTH, 2);
    const painted =
      f.level === 'error'
        ? paint('red', tag, colour)
        : f.level === 'warning'
          ? paint('yellow', tag, colour)
          : tag;
    out.push(painted + text[0]!.slice(tag.length), ...text.slice(1));
    if (f.fix) out.push(...wrap(`fix: ${f.fix}`, WIDTH - 2, 5).map((l) => `  ${l}`));
  }
  if (findings.length > 0) out.push('');
  out.push(
    ...wrap(verdictLine(report, false), WIDTH, 2).map((l, i) =>
      i === 0 && colour ? colourVerdict(l, report) : l,
    ),
  );
  return out.join('\n');
}

function colourVerdict(line: string, report: DnsReport): string {
  const word = report.ready ? 'READY' : 'NOT READY';
  return paint(report.ready ? 'green' : 'red', word, true) + line.slice(word.length);
}

export function verdictLine(report: DnsReport, colour: boolean): string {
  const problems = report.findings.filter((f) => f.level === 'error').length;
  if (report.ready) {
    return `${paint('green', 'READY', colour)}: every required record is right on every authoritative server${report.records.some((r) => r.public.length > 0) ? ' and public resolver' : ''}.`;
  }
  const by = report.convergeBy ? `; public resolvers should agree by ${report.convergeBy}` : '';
  return `${paint('red', 'NOT READY', colour)}: ${problems} problem${problems === 1 ? '' : 's'} above${by}.`;
}

/** One line per --wait round: "round 3: 4/6 records ok, not ready". */
export function progressLine(report: DnsReport, round: number, nextAt: Date | undefined): string {
  const required = report.records.filter((r) => r.required);
  const ok = required.filter((r) => r.state === 'ok' && r.public.every((a) => a.state === 'ok')).length;
  const head = `round ${round}: ${ok}/${required.length} records ok`;
  if (report.ready) return `${head}, ready`;
  return nextAt
    ? `${head}, not ready; next check at ${nextAt.toISOString().slice(11, 19)}Z`
    : `${head}, not ready`;
}
