import { paint } from '../ui/colour.js';
import type { VerifyReport } from './checks.js';

/**
 * The human report (stderr): one block per check, status first, then what was found and,
 * for a failure, the fix. The --json form is the VerifyReport itself.
 */
export function renderVerifyReport(report: VerifyReport, colour?: boolean): string[] {
  const width = Math.max(...report.checks.map((c) => c.title.length));
  const lines = [`Deployment of ${report.domain}, checked from this machine:`];
  for (const c of report.checks) {
    const status = c.status === 'ok' ? paint('green', 'ok  ', colour) : paint('red', 'FAIL', colour);
    lines.push(`  ${status}  ${c.title.padEnd(width)}  ${c.url}`);
    lines.push(`        ${' '.repeat(width)}  ${c.detail}`);
    if (c.fix) lines.push(`        ${' '.repeat(width)}  ${paint('bold', 'fix:', colour)} ${c.fix}`);
  }
  const total = report.checks.length;
  lines.push(
    report.ok
      ? paint('green', `Verdict: ready: all ${total} checks passed.`, colour)
      : paint(
          'red',
          `Verdict: NOT ready: ${report.failed} of ${total} checks failed (see fix: lines).`,
          colour,
        ),
  );
  return lines;
}

/** Machine output for --json: stable keys, documented in docs/verify.md. */
export function verifyReportJson(report: VerifyReport): string {
  return JSON.stringify(report, null, 2);
}
