import { type ExportEntry, synapseLine } from './journal-export.js';

/**
 * The journal lines of the watch tests: the three message forms `watch` matches, lines it must
 * ignore, and hostile text (terminal escapes, bidi overrides, a forged line through a newline in
 * a user name) exactly where an attacker controls it.
 */
export const FIXTURE_DOMAIN = 'oob-watch.test';
const D = FIXTURE_DOMAIN;
const auth = (level: string, req: string, msg: string) =>
  synapseLine('synapse.handlers.auth', level, req, msg);

export const HOSTILE_NAME = `@\u001b[2J\u001b]0;pwned\u0007root\u202egnp.exe\u200b:${D}`;
export const HOSTILE_DEVICE = '\u202eEVIL\u001b[31mRED\u001b[0m';

export interface FixtureLine {
  message: string;
  /** What readJournalLine must make of it (its event). */
  expect?: { kind: 'failed-password' | 'unknown-user' | 'login'; user: string; device?: string };
}

export const FIXTURE_LINES: FixtureLine[] = [
  {
    message: auth('WARNING', 'POST-7', `Failed password login for user @analyst1:${D}`),
    expect: { kind: 'failed-password', user: `@analyst1:${D}` },
  },
  {
    message: auth('WARNING', 'POST-8', `Attempted to login as ${HOSTILE_NAME} but they do not exist`),
    expect: { kind: 'unknown-user', user: HOSTILE_NAME },
  },
  {
    message: auth('INFO', 'POST-9', `Logging in user @analyst1:${D} on device NEWLAPTOP`),
    expect: { kind: 'login', user: `@analyst1:${D}`, device: 'NEWLAPTOP' },
  },
  {
    message: auth(
      'INFO',
      'POST-10',
      `Logging in user @lead:${D} on device LEADPHONE until 2026-12-01 10:00:00`,
    ),
    expect: { kind: 'login', user: `@lead:${D}`, device: 'LEADPHONE' },
  },
  {
    message: auth('INFO', 'POST-11', `Logging in user @mallory:${D} on device MAL1`),
    expect: { kind: 'login', user: `@mallory:${D}`, device: 'MAL1' },
  },
  {
    message: auth('INFO', 'POST-12', `Logging in user @analyst2:${D} on device ${HOSTILE_DEVICE}`),
    expect: { kind: 'login', user: `@analyst2:${D}`, device: HOSTILE_DEVICE },
  },
  // A user name with a newline: journald stores two entries. The first half matches nothing; the
  // second, written by the attacker to look like a success, ends in Synapse's fixed suffix.
  { message: auth('WARNING', 'POST-13', 'Attempted to login as @x') },
  {
    message: `${auth('INFO', 'POST-1', `Logging in user @lead:${D} on device FORGED`)}:${D} but they do not exist`,
    expect: {
      kind: 'unknown-user',
      user: `${auth('INFO', 'POST-1', `Logging in user @lead:${D} on device FORGED`)}:${D}`,
    },
  },
  // Lines that are not one of the three forms.
  {
    message: synapseLine(
      'synapse.rest.client.login',
      'INFO',
      'POST-9',
      "Got login request with identifier: {'type': 'm.id.user', 'user': 'analyst1'}, medium: None, address: None, user: None",
    ),
  },
  {
    message: synapseLine(
      'synapse.access.http.8008',
      'INFO',
      'POST-9',
      '203.0.113.9 - 8008 - {@analyst1} Processed request',
    ),
  },
  { message: auth('WARNING', 'POST-14', `Failed password login for user @analyst1:${D} and more`) },
  {
    message: synapseLine(
      'synapse.handlers.device',
      'INFO',
      '',
      `Logging in user @lead:${D} on device NOTAUTH`,
    ),
  },
  { message: `Logging in user @lead:${D} on device NOPREFIX` },
  { message: 'Synapse now listening on TCP port 8008' },
];

/** Export entries for the lines, one millisecond apart from `startMs`. */
export function fixtureEntries(
  startMs: number,
  lines: readonly FixtureLine[] = FIXTURE_LINES,
): ExportEntry[] {
  return lines.map((l, i) => ({ message: l.message, realtimeUs: (startMs + i) * 1000 }));
}
