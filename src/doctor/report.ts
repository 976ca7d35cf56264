import { paint } from '../ui/colour.js';

/** One line of the doctor's table. */
export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  /** Stable id for scripts (--json): "ansible-core", "ssh", ... */
  id: string;
  title: string;
  status: CheckStatus;
  /** One line: what was found. */
  summary: string;
  /** What to do about it (warn and fail). */
  fix?: string;
  /** Extra lines: the breaking changes, the renamed variables, ssh's own words. */
  details?: string[];
}

export interface DoctorReport {
  ok: boolean;
  counts: Record<CheckStatus, number>;
  checks: CheckResult[];
}

export function summarise(checks: CheckResult[]): DoctorReport {
  const counts: Record<CheckStatus, number> = { pass: 0, warn: 0, fail: 0, skip: 0 };
  for (const c of checks) counts[c.status]++;
  return { ok: counts.fail === 0, counts, checks };
}

const LABEL: Record<CheckStatus, { text: string; style: 'green' | 'yellow' | 'red' | 'gray' }> = {
  pass: { text: 'PASS', style: 'green' },
  warn: { text: 'WARN', style: 'yellow' },
  fail: { text: 'FAIL', style: 'red' },
  skip: { text: 'SKIP', style: 'gray' },
};

/** The human table (for stderr). */
export function renderTable(report: DoctorReport, colour: boolean): string {
  const width = Math.max(...report.checks.map((c) => c.title.length), 10);
  const lines: string[] = [];
  for (const c of report.checks) {
    const label = paint(LABEL[c.status].style, LABEL[c.status].text, colour);
    lines.push(`  ${label}  ${c.title.padEnd(width)}  ${c.summary}`);
    const indent = ' '.repeat(width + 10);
    for (const d of c.details ?? []) lines.push(`${indent}${d}`);
    if (c.fix && (c.status === 'fail' || c.status === 'warn'))
      lines.push(`${indent}${paint('bold', 'fix:', colour)} ${c.fix}`);
  }
  const { pass, warn, fail, skip } = report.counts;
  const parts = [`${pass} passed`, `${warn} warning${warn === 1 ? '' : 's'}`, `${fail} failed`];
  if (skip > 0) parts.push(`${skip} skipped`);
  lines.push('');
  lines.push(
    report.ok
      ? `${parts.join(', ')}: ready${warn > 0 ? ' (read the warnings)' : ''}.`
      : `${parts.join(', ')}: fix the failed checks, then run "matrix-oob doctor" again.`,
  );
  return lines.join('\n');
}
