import { paint } from '../ui/colour.js';
import type { DnsReport, Finding, RecordReport, RecordState, ServerAnswer } from './types.js';

/**
 * The report, for people (a table on stderr) and for programs (JSON on stdout). Both carry the
 * same facts: per record and per server the state, the values, TTL and time taken.
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
  const chain = a.chain.length > 0 ? `CNAME ${a.chain.join(' > ')} > ` : '';
  if (a.values.length > 0) {
    const shown = `${chain}${a.values.join(', ')}`;
    return a.state === 'wrong' ? `${shown} (want ${r.expected.join(', ')})` : shown;
  }
  return `${chain}${a.detail ?? ''}`;
}

/** The human report. `colour` false gives plain text (NO_COLOR, pipes, tests). */
export function renderReport(report: DnsReport, colour: boolean): string {
  const rows: string[][] = [['RECORD', 'TYPE', 'SERVER', 'STATE', 'VALUE', 'TTL', 'TIME']];
  const states: RecordState[] = [];
  for (const r of report.records) {
    const name = `${r.name}${r.required ? '' : ' (optional)'}`;
    const answers = [
      ...r.authoritative.map((a) => ({ a, who: `${a.server} ${a.address}` })),
      ...r.public.map((a) => ({
        a,
        who: `resolver ${a.server === a.address ? a.address : `${a.server} ${a.address}`}`,
      })),
    ];
    if (answers.length === 0) {
      rows.push([name, r.type, '-', '', 'no authoritative server found', '', '']);
      states.push(r.state);
      continue;
    }
    answers.forEach(({ a, who }, i) => {
      rows.push([
        i === 0 ? name : '',
        i === 0 ? r.type : '',
        who,
        '',
        value(a, r),
        a.ttl === undefined ? '' : String(a.ttl),
        `${a.ms}ms`,
      ]);
      states.push(a.state);
    });
  }
  const widths = rows[0]!.map((_, c) =>
    Math.max(...rows.map((row, i) => (c === 3 && i > 0 ? LABEL[states[i - 1]!].length : row[c]!.length))),
  );
  const lines = rows.map((row, i) =>
    row
      .map((cell, c) => {
        if (c === 3 && i > 0) {
          const st = states[i - 1]!;
          return stateLabel(st, colour) + ' '.repeat(widths[c]! - LABEL[st].length);
        }
        return c === row.length - 1 ? cell : cell.padEnd(widths[c]!);
      })
      .join('  ')
      .trimEnd(),
  );
  const out = [`DNS readiness of ${report.domain} (${report.durationMs} ms)`, '', ...lines, ''];
  for (const z of report.zones) {
    const ns = z.childNs.length > 0 ? z.childNs : z.parentNs;
    const serial = z.serials.length > 0 ? `, serial ${z.serials.join('/')}` : '';
    out.push(
      `zone ${z.apex}${z.parent ? ` (delegated by ${z.parent})` : ''}: NS ${ns.join(', ') || '?'}${serial}`,
    );
  }
  if (report.zones.length > 0) out.push('');
  const order: Finding['level'][] = ['error', 'warning', 'info'];
  const findings = [...report.findings].sort((a, b) => order.indexOf(a.level) - order.indexOf(b.level));
  for (const f of findings) {
    const tag =
      f.level === 'error'
        ? paint('red', 'problem', colour)
        : f.level === 'warning'
          ? paint('yellow', 'warning', colour)
          : 'note';
    out.push(`${tag}: ${f.subject}: ${f.message}`);
    if (f.fix) out.push(`  fix: ${f.fix}`);
  }
  if (findings.length > 0) out.push('');
  out.push(verdictLine(report, colour));
  return out.join('\n');
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
