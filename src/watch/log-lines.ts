/**
 * The log source's parser: one journald JSON entry (`journalctl --output=json`) in, one login
 * event or nothing out. Only three fixed Synapse message forms are recognised (synapse's
 * handlers/auth.py), written through MDAD's log format
 * `%(asctime)s - %(name)s - %(lineno)d - %(levelname)s - %(request)s - %(message)s`:
 *
 * - WARNING `Failed password login for user @u:d`          (a known account, wrong password)
 * - WARNING `Attempted to login as X but they do not exist` (X is whatever the client sent)
 * - INFO    `Logging in user @u:d on device D[ until T]`   (a successful login, new access token)
 *
 * Every other line is ignored. A user name with an embedded newline is split by journald into two
 * entries, and the second half, which the attacker writes, still ends in Synapse's fixed
 * " but they do not exist": such a line is never taken for a success, it is reported as the
 * unknown-user attempt it is. The values are raw, untrusted text: show them only through
 * `untrusted()`.
 */

export type LogEventKind = 'failed-password' | 'unknown-user' | 'login';

export interface LogEvent {
  kind: LogEventKind;
  /** As logged: canonical for failed-password and login; attacker-chosen for unknown-user. */
  user: string;
  /** The device ID of a successful login (client-chosen text). */
  device?: string;
  /** journald's receive time (trusted), ISO 8601. */
  at: string;
  /** Synapse's request ID, e.g. POST-42 (ties lines of one request together). */
  request: string;
  cursor: string;
}

const LINE =
  /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} - (synapse\.[\w.]+) - \d+ - (DEBUG|INFO|WARNING|ERROR|CRITICAL) - (\S*) - (.*)$/s;
const NOT_EXIST = ' but they do not exist';
const FAILED = /^Failed password login for user (@[^\s]+)$/s;
const UNKNOWN = /^Attempted to login as (.*) but they do not exist$/s;
const SUCCESS = /^Logging in user (@[^\s]+) on device (.+?)(?: until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d)?$/s;

/**
 * journald's JSON output: a field is a string, an array of byte values when it holds control
 * characters or invalid UTF-8, null when longer than 4096 bytes, or an array of those when the
 * entry has the field several times (never for MESSAGE of a stdout line).
 */
export function fieldText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)) {
    return Buffer.from(value as number[]).toString('utf8');
  }
  return undefined;
}

/**
 * One line of `journalctl --output=json`, parsed once: its login event (if it is one of the
 * three forms) and its cursor (of every entry, also the ignored ones, to resume after it).
 */
export function readJournalLine(line: string): { event?: LogEvent; cursor?: string } {
  let entry: Record<string, unknown>;
  try {
    const parsed = JSON.parse(line) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
    entry = parsed as Record<string, unknown>;
  } catch {
    return {};
  }
  const event = parseJournalEntry(entry);
  const cursor = event?.cursor ?? fieldText(entry.__CURSOR);
  return { ...(event ? { event } : {}), ...(cursor ? { cursor } : {}) };
}

export function parseJournalEntry(entry: Record<string, unknown>): LogEvent | undefined {
  const cursor = fieldText(entry.__CURSOR);
  const message = fieldText(entry.MESSAGE);
  const micros = Number(fieldText(entry.__REALTIME_TIMESTAMP));
  if (!cursor || message === undefined || !Number.isFinite(micros)) return undefined;
  const line = message.replace(/\r?\n$/, '');
  const at = new Date(Math.floor(micros / 1000)).toISOString();
  const m = LINE.exec(line);
  if (!m || line.endsWith(NOT_EXIST)) {
    // The tail of an unknown-user line split by a newline in the name: whatever its start says.
    if (line.endsWith(NOT_EXIST) && !(m && UNKNOWN.test(m[4] ?? ''))) {
      return { kind: 'unknown-user', user: line.slice(0, -NOT_EXIST.length), at, request: '', cursor };
    }
    if (!m) return undefined;
  }
  const [, logger, level, request = '', text = ''] = m;
  if (logger !== 'synapse.handlers.auth') return undefined;
  const base = { at, request, cursor };
  if (level === 'WARNING') {
    const failed = FAILED.exec(text);
    if (failed) return { kind: 'failed-password', user: failed[1]!, ...base };
    const unknown = UNKNOWN.exec(text);
    if (unknown) return { kind: 'unknown-user', user: unknown[1]!, ...base };
    return undefined;
  }
  if (level === 'INFO') {
    const ok = SUCCESS.exec(text);
    if (ok) return { kind: 'login', user: ok[1]!, device: ok[2]!, ...base };
  }
  return undefined;
}
