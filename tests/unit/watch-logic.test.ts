import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Detector, type Snapshot } from '../../src/watch/detect.js';
import { type LogEvent, readJournalLine } from '../../src/watch/log-lines.js';
import { journalctlCommand } from '../../src/watch/log-source.js';
import { untrusted } from '../../src/watch/sanitize.js';
import { renderTable, tableRows } from '../../src/watch/table.js';
import { importEntries, journalToolsMissing } from '../helpers/journal-export.js';
import {
  FIXTURE_DOMAIN,
  FIXTURE_LINES,
  fixtureEntries,
  HOSTILE_DEVICE,
  HOSTILE_NAME,
} from '../helpers/watch-fixtures.js';

const D = FIXTURE_DOMAIN;
const CASE = [`@lead:${D}`, `@analyst1:${D}`, `@analyst2:${D}`];
// Anything that could move the cursor, recolour, retitle the terminal or reorder text.
// biome-ignore lint/suspicious/noControlCharactersInRegex: looking for terminal controls is the point
const DANGEROUS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u200b-\u200f]/;

/**
 * The journald JSON lines of the fixtures: written to a real journal file by the real
 * systemd-journal-remote and read back by the real `journalctl --output=json`. Without those
 * tools, the same lines are built as journald documents its JSON output (a field with control
 * characters becomes an array of byte values), and the test says so.
 */
function journalLines(): string[] {
  const start = Date.UTC(2026, 10, 29, 10, 0, 0);
  const why = journalToolsMissing();
  if (!why) {
    const dir = mkdtempSync(join(tmpdir(), 'matrix-oob-journal-'));
    try {
      importEntries(dir, fixtureEntries(start));
      return execFileSync('journalctl', [`--directory=${dir}`, '--output=json', '--no-pager'], {
        encoding: 'utf8',
      })
        .trim()
        .split('\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  console.log(`${why}: using journald's documented JSON form instead`);
  return fixtureEntries(start).map((e, i) =>
    JSON.stringify({
      __CURSOR: `s=0;i=${i + 1};b=0;m=0;t=0;x=0`,
      __REALTIME_TIMESTAMP: String(e.realtimeUs),
      _SYSTEMD_UNIT: 'matrix-synapse.service',
      // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for terminal controls is the point
      MESSAGE: /[\u0000-\u001f\u007f]/.test(e.message) ? [...Buffer.from(e.message, 'utf8')] : e.message,
    }),
  );
}

describe('untrusted text', () => {
  it('removes terminal escapes, controls and bidi/zero-width characters, keeps the rest, caps the length', () => {
    expect(untrusted(HOSTILE_NAME)).toBe(`@root\u00a0gnp.exe:${D}`.replace('\u00a0', ''));
    expect(untrusted(HOSTILE_DEVICE)).toBe('EVILRED');
    expect(untrusted('a\nb\tc')).toBe('a\ufffdb\ufffdc');
    expect(untrusted('Élément/1.11 (Linux; 日本語)')).toBe('Élément/1.11 (Linux; 日本語)');
    expect(untrusted('x'.repeat(500), 10)).toBe(`${'x'.repeat(9)}…`);
    expect(untrusted('\u009b31mC1\u009d0;title\u009c')).toBe('C1');
    expect(untrusted('\ud800lone')).toBe('\ufffdlone');
    for (const s of [HOSTILE_NAME, HOSTILE_DEVICE, '\u001b[1;31m\u001b]8;;http://x\u001b\\link']) {
      expect(untrusted(s)).not.toMatch(DANGEROUS);
    }
  });
});

describe('log source parser on journald JSON lines', () => {
  const lines = journalLines();
  const events = lines.map((l) => readJournalLine(l).event);

  it('matches exactly the three fixed forms, with hostile text intact for the detector', () => {
    expect(lines).toHaveLength(FIXTURE_LINES.length);
    FIXTURE_LINES.forEach((f, i) => {
      const ev = events[i];
      if (!f.expect) expect([i, ev]).toEqual([i, undefined]);
      else
        expect([i, ev && { kind: ev.kind, user: ev.user, device: ev.device }]).toEqual([
          i,
          { device: undefined, ...f.expect },
        ]);
    });
  });

  it('takes the time from journald, not from the line, and keeps the cursor', () => {
    const first = events[0]!;
    expect(first.at).toBe('2026-11-29T10:00:00.000Z');
    expect(first.cursor).toMatch(/^s=[0-9a-f]*;i=1;/);
    expect(first.request).toBe('POST-7');
  });

  it('never takes a line forged through a newline in a user name for a successful login', () => {
    const forged = events.filter(
      (e) =>
        e?.device === 'FORGED' ||
        (e?.kind === 'login' && e.user === `@lead:${D}` && e.device !== 'LEADPHONE'),
    );
    expect(forged).toEqual([]);
  });

  it('ignores what is not JSON or has no cursor', () => {
    expect(readJournalLine('not json')).toEqual({});
    expect(readJournalLine('[1,2]')).toEqual({});
    expect(
      readJournalLine(JSON.stringify({ MESSAGE: FIXTURE_LINES[0]!.message, __REALTIME_TIMESTAMP: '1' })),
    ).toEqual({});
    // No event, but its cursor, to resume after it.
    expect(
      readJournalLine(JSON.stringify({ __CURSOR: 'c', MESSAGE: null, __REALTIME_TIMESTAMP: '1' })),
    ).toEqual({ cursor: 'c' });
  });
});

const T0 = '2026-11-29T09:00:00.000Z';
const snap = (
  at: string,
  accounts: Record<string, { ips?: [string, string, number][]; devices?: string[] }>,
): Snapshot => ({
  at,
  accounts: new Map(
    Object.entries(accounts).map(([u, a]) => [
      u,
      {
        connections: (a.ips ?? []).map(([ip, userAgent, lastSeen]) => ({ ip, userAgent, lastSeen })),
        devices: (a.devices ?? []).map((deviceId) => ({ deviceId, displayName: undefined })),
      },
    ]),
  ),
});
const ts = (iso: string) => Date.parse(iso);

describe('detector', () => {
  function baseline(): Detector {
    const d = new Detector(undefined, CASE, new Date(T0));
    const first = d.observeSnapshot(
      snap(T0, {
        [`@lead:${D}`]: { ips: [['198.51.100.1', 'Element/1', ts(T0)]], devices: ['LEADPHONE'] },
        [`@analyst1:${D}`]: { ips: [['198.51.100.2', 'Element/1', ts(T0)]], devices: ['A1LAPTOP'] },
      }),
    );
    expect(first).toEqual([]);
    expect(d.rows().every((r) => r.status === 'baseline')).toBe(true);
    return d;
  }

  it('raises nothing for the baseline, polled again', () => {
    const d = baseline();
    const again = new Detector(d.state, CASE, new Date('2026-11-29T09:10:00Z'));
    expect(again.isBaseline).toBe(false);
    expect(
      again.observeSnapshot(
        snap('2026-11-29T09:10:00.000Z', {
          [`@lead:${D}`]: {
            ips: [['198.51.100.1', 'Element/1', ts('2026-11-29T09:09:00Z')]],
            devices: ['LEADPHONE'],
          },
          [`@analyst1:${D}`]: { ips: [['198.51.100.2', 'Element/1', ts(T0)]], devices: ['A1LAPTOP'] },
        }),
      ),
    ).toEqual([]);
    // The baseline device's login line in the journal is no alert either.
    const ev: LogEvent = {
      kind: 'login',
      user: `@lead:${D}`,
      device: 'LEADPHONE',
      at: '2026-11-29T09:11:00.000Z',
      request: 'POST-1',
      cursor: 'c1',
    };
    expect(again.observeLog(ev)).toEqual([]);
  });

  it('raises new-device and new-address once, with sanitised text, and not again after a restart', () => {
    const d = baseline();
    const at = '2026-11-29T09:20:00.000Z';
    const alerts = d.observeSnapshot(
      snap(at, {
        [`@analyst1:${D}`]: {
          ips: [['203.0.113.66', `curl/8 \u001b[2J\u202eevil`, ts(at)]],
          devices: ['A1LAPTOP', HOSTILE_DEVICE],
        },
      }),
    );
    expect(alerts.map((a) => a.kind).sort()).toEqual(['new-address', 'new-device']);
    for (const a of alerts) expect(JSON.stringify(a)).not.toMatch(/\\u001b|\u202e/);
    expect(alerts.find((a) => a.kind === 'new-address')).toMatchObject({
      address: '203.0.113.66',
      user_agent: 'curl/8 evil',
      text: `new address 203.0.113.66 for @analyst1:${D} (curl/8 evil)`,
    });
    const restarted = new Detector(JSON.parse(JSON.stringify(d.state)), CASE, new Date(at));
    expect(
      restarted.observeSnapshot(
        snap(at, { [`@analyst1:${D}`]: { ips: [['203.0.113.66', 'x', ts(at)]], devices: [HOSTILE_DEVICE] } }),
      ),
    ).toEqual([]);
    // A login line for the same device after the API saw it: still one alert only.
    expect(
      restarted.observeLog({
        kind: 'login',
        user: `@analyst1:${D}`,
        device: HOSTILE_DEVICE,
        at,
        request: '',
        cursor: 'c',
      }),
    ).toEqual([]);
    const rows = tableRows(restarted.rows(), restarted.state.removed_users);
    expect(rows.filter((r) => r.state === 'NEW')).toHaveLength(2);
    for (const line of renderTable(rows, true)) {
      // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for terminal controls is the point
      expect(line.replace(/\u001b\[[0-9;]*m/g, '')).not.toMatch(DANGEROUS);
    }
    // Approving makes them known-good.
    expect(restarted.approve(HOSTILE_DEVICE)).toHaveLength(1);
    expect(restarted.approve('203.0.113.66')[0]!.status).toBe('approved');
    expect(tableRows(restarted.rows(), {}).filter((r) => r.state === 'NEW')).toEqual([]);
  });

  it('raises unknown-account for an account outside the case (log, then polled) and deactivated-back for a removed one', () => {
    const d = baseline();
    const at = '2026-11-29T09:30:00.000Z';
    const mallory = d.observeLog({
      kind: 'login',
      user: `@mallory:${D}`,
      device: 'MAL1',
      at,
      request: 'POST-11',
      cursor: 'c5',
    });
    expect(mallory.map((a) => [a.kind, a.user, a.device])).toEqual([
      ['unknown-account', `@mallory:${D}`, 'MAL1'],
    ]);
    expect(d.accountsToPoll()).toContain(`@mallory:${D}`);

    // analyst2 leaves the case (user remove): from then on any activity is "deactivated-back".
    const later = new Detector(d.state, [`@lead:${D}`, `@analyst1:${D}`], new Date('2026-11-29T09:40:00Z'));
    expect(later.state.removed_users).toEqual({ [`@analyst2:${D}`]: '2026-11-29T09:40:00.000Z' });
    expect(later.accountsToPoll()).toContain(`@analyst2:${D}`);
    // Old traffic from before the removal is no alert.
    expect(
      later.observeSnapshot(
        snap('2026-11-29T09:41:00.000Z', { [`@analyst2:${D}`]: { ips: [['198.51.100.3', 'E', ts(T0)]] } }),
      ),
    ).toEqual([]);
    const back = later.observeSnapshot(
      snap('2026-11-29T09:50:00.000Z', {
        [`@analyst2:${D}`]: { ips: [['198.51.100.3', 'E', ts('2026-11-29T09:49:00Z')]] },
      }),
    );
    expect(back.map((a) => a.kind)).toEqual(['deactivated-back']);
    const viaLog = later.observeLog({
      kind: 'login',
      user: `@analyst2:${D}`,
      device: 'BACK',
      at: '2026-11-29T09:51:00.000Z',
      request: '',
      cursor: 'c9',
    });
    expect(viaLog.map((a) => a.kind)).toEqual(['deactivated-back']);
  });

  it('raises failed-password and unknown-user for log lines after the baseline, not for older history', () => {
    const d = baseline();
    const old: LogEvent = {
      kind: 'failed-password',
      user: `@analyst1:${D}`,
      at: '2026-11-29T08:00:00.000Z',
      request: '',
      cursor: 'o1',
    };
    expect(d.observeLog(old)).toEqual([]);
    const fresh = d.observeLog({
      kind: 'unknown-user',
      user: HOSTILE_NAME,
      at: '2026-11-29T09:05:00.000Z',
      request: 'POST-8',
      cursor: 'n1',
    });
    expect(fresh).toHaveLength(1);
    expect(fresh[0]!.text).toBe(
      `login attempt as an account that does not exist: ${untrusted(HOSTILE_NAME)}`,
    );
    expect(fresh[0]!.text).not.toMatch(DANGEROUS);
    // The same journal line read twice (a restart before the cursor was saved): one alert.
    expect(
      d.observeLog({
        kind: 'unknown-user',
        user: HOSTILE_NAME,
        at: '2026-11-29T09:05:00.000Z',
        request: 'POST-8',
        cursor: 'n1',
      }),
    ).toEqual([]);
  });
});

describe('the remote journalctl command', () => {
  it('quotes the cursor for the remote shell and refuses anything that is not a cursor', () => {
    const cmd = journalctlCommand(
      { become: true, follow: true, journalDir: '/var/log/journal x' },
      's=ab;i=2;b=c;m=d;t=e;x=f',
    );
    expect(cmd).toBe(
      "sudo -n journalctl '--directory=/var/log/journal x' --unit=matrix-synapse.service '--unit=matrix-synapse-worker-*' --output=json --no-pager --quiet '--after-cursor=s=ab;i=2;b=c;m=d;t=e;x=f' --follow",
    );
    expect(journalctlCommand({ become: false, follow: true })).toContain('--lines=all');
    expect(() => journalctlCommand({ become: false, follow: false }, "x'; rm -rf / #")).toThrow(
      'not a journald cursor',
    );
  });
});
