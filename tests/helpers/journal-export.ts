import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * journald's export format (systemd's "Journal Export Format"): entries of FIELD=value lines
 * ended by an empty line; a value with a newline or other control bytes is written as the field
 * name, "\n", its length as 64-bit little endian, the raw bytes and "\n". Real
 * systemd-journal-remote imports it into a journal file that real journalctl reads.
 */
export const JOURNAL_REMOTE = '/lib/systemd/systemd-journal-remote';

export function journalToolsMissing(): string | undefined {
  if (!existsSync(JOURNAL_REMOTE))
    return `skipped: ${JOURNAL_REMOTE} is not installed (scripts/install-system-deps.sh installs systemd-journal-remote)`;
  try {
    execFileSync('journalctl', ['--version'], { stdio: 'ignore' });
  } catch {
    return 'skipped: journalctl is not installed';
  }
  return undefined;
}

export interface ExportEntry {
  message: string;
  /** µs since the epoch. */
  realtimeUs: number;
  unit?: string;
}

const BOOT = '6a1f1fd2b2a54cbe9a7e2f7d0c4b1a01';

export function exportEntries(entries: readonly ExportEntry[], seqStart = 1): Buffer {
  const parts: Buffer[] = [];
  entries.forEach((e, i) => {
    const fields: [string, string][] = [
      ['__REALTIME_TIMESTAMP', String(e.realtimeUs)],
      ['__MONOTONIC_TIMESTAMP', String(1_000_000 + (seqStart + i) * 1000)],
      ['_BOOT_ID', BOOT],
      ['_SYSTEMD_UNIT', e.unit ?? 'matrix-synapse.service'],
      ['SYSLOG_IDENTIFIER', 'matrix-synapse'],
      ['_TRANSPORT', 'stdout'],
      ['PRIORITY', '6'],
      ['_HOSTNAME', 'matrix'],
      ['MESSAGE', e.message],
    ];
    for (const [k, v] of fields) {
      if (/^[\x20-\x7e\u00a0-\uffff]*$/u.test(v) && !/[\u0080-\u009f]/.test(v)) {
        parts.push(Buffer.from(`${k}=${v}\n`, 'utf8'));
      } else {
        const data = Buffer.from(v, 'utf8');
        const len = Buffer.alloc(8);
        len.writeBigUInt64LE(BigInt(data.length));
        parts.push(Buffer.from(`${k}\n`), len, data, Buffer.from('\n'));
      }
    }
    parts.push(Buffer.from('\n'));
  });
  return Buffer.concat(parts);
}

/** Append entries to <dir>/remote.journal with the real systemd-journal-remote. */
export function importEntries(dir: string, entries: readonly ExportEntry[], seqStart = 1): void {
  mkdirSync(dir, { recursive: true });
  execFileSync(JOURNAL_REMOTE, ['--output', join(dir, 'remote.journal'), '-'], {
    input: exportEntries(entries, seqStart),
    stdio: ['pipe', 'ignore', 'pipe'],
  });
}

/** A line as MDAD's Synapse log format writes it. */
export function synapseLine(logger: string, level: string, request: string, message: string): string {
  return `2026-11-29 10:00:00,123 - ${logger} - 365 - ${level} - ${request} - ${message}`;
}
