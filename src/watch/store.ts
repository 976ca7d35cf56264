import { join } from 'node:path';
import { ensurePrivateDir, readIfExists, writeFileAtomic } from '../adapters/files.js';
import { withWaitingLock } from '../case/lock.js';
import type { CasePaths } from '../case/paths.js';
import { UserError } from '../errors.js';
import { isOwnLoginList, type OwnLogin } from './own-logins.js';

/**
 * What `watch` remembers between runs, in <case>/watch/ (folder 0700, files 0600, written
 * atomically): the known-good baseline and every device and address seen (state.json), and the
 * journald cursor of the log source (journal-cursor).
 *
 * An item is a device (by device ID) or an address (by IP) of one account. Its status:
 * - `baseline`: present at the first run; `approved`: approved with `watch --approve`;
 * - `new`: appeared later and not approved yet (it raised an alert once, when first seen).
 */
export type ItemKind = 'device' | 'address';
export type ItemStatus = 'baseline' | 'approved' | 'new';

export interface WatchItem {
  kind: ItemKind;
  user: string;
  /** Device ID or IP address (raw text from the server). */
  id: string;
  first_seen: string;
  last_seen?: string;
  user_agent?: string;
  display_name?: string;
  /** A device's last address (only from Synapse's admin API). */
  address?: string;
  status: ItemStatus;
  /** Where it was first seen: the state source (API) or the log source (journald). */
  source: 'state' | 'log';
}

export interface WatchState {
  version: 1;
  /** When the baseline was taken (the first run). */
  created_at: string;
  /** The case's user IDs at the last run. */
  case_users: string[];
  /** Case users that left the config (`user remove` deactivates them) and when we noticed. */
  removed_users: Record<string, string>;
  /** Accounts outside the case that the log showed logging in: polled from then on. */
  extra_accounts: string[];
  items: Record<string, WatchItem>;
  /** Keys of alerts already raised, so a restart does not raise them again. */
  alerted: string[];
  /** Watch's own logins (the admin's session of each run) and their time windows: own-logins.ts. */
  own_devices: OwnLogin[];
}

export function watchDir(paths: Pick<CasePaths, 'root'>): string {
  return join(paths.root, 'watch');
}

export function stateFile(paths: Pick<CasePaths, 'root'>): string {
  return join(watchDir(paths), 'state.json');
}

export function cursorFile(paths: Pick<CasePaths, 'root'>): string {
  return join(watchDir(paths), 'journal-cursor');
}

export function itemKey(kind: ItemKind, user: string, id: string): string {
  return `${kind}|${user}|${id}`;
}

export async function readWatchState(paths: Pick<CasePaths, 'root'>): Promise<WatchState | undefined> {
  const file = stateFile(paths);
  const text = await readIfExists(file);
  if (text === undefined) return undefined;
  let data: Partial<WatchState>;
  try {
    data = JSON.parse(text) as Partial<WatchState>;
  } catch {
    throw new UserError(`${file} is not valid JSON`, {
      hint: `it holds the known-good baseline of "watch": restore it, or move it away to take a new baseline (every device present then counts as known)`,
    });
  }
  if (data?.version !== 1 || typeof data.items !== 'object' || !Array.isArray(data.case_users)) {
    throw new UserError(`${file} is not a watch state file (version 1)`, {
      hint: 'move it away to take a new baseline (every device present then counts as known)',
    });
  }
  const bad = badField(data);
  if (bad) {
    throw new UserError(`${file}: ${bad}`, {
      hint: 'restore it, or move it away to take a new baseline (every device present then counts as known)',
    });
  }
  return {
    version: 1,
    created_at: String(data.created_at),
    case_users: data.case_users,
    removed_users: data.removed_users ?? {},
    extra_accounts: data.extra_accounts ?? [],
    items: data.items ?? {},
    alerted: data.alerted ?? [],
    own_devices: data.own_devices ?? [],
  };
}

const strings = (v: unknown): boolean => Array.isArray(v) && v.every((x) => typeof x === 'string');

/**
 * The first field of a parsed state.json with the wrong shape, said in words (a field written
 * before it existed may be absent). A wrong shape is refused, never coerced: an edited
 * `own_devices: "…"` would turn the list lookups into substring matches that hide alerts.
 */
function badField(data: Partial<WatchState>): string | undefined {
  const at = data.created_at as unknown;
  if (typeof at !== 'string' || !Number.isFinite(Date.parse(at))) return 'created_at is not a time';
  if (!strings(data.case_users)) return 'case_users is not a list of user IDs';
  const items = data.items as unknown;
  if (items === null || Array.isArray(items)) return 'items is not an object';
  const removed = data.removed_users as unknown;
  if (
    removed !== undefined &&
    (typeof removed !== 'object' ||
      removed === null ||
      Array.isArray(removed) ||
      !strings(Object.values(removed)))
  ) {
    return 'removed_users is not an object of user IDs and times';
  }
  if (data.extra_accounts !== undefined && !strings(data.extra_accounts)) {
    return 'extra_accounts is not a list of user IDs';
  }
  if (data.alerted !== undefined && !strings(data.alerted)) return 'alerted is not a list of alert keys';
  if (data.own_devices !== undefined && !isOwnLoginList(data.own_devices)) {
    return "own_devices is not a list of watch's own logins (user, device, from, to, logged)";
  }
  return undefined;
}

/**
 * Run `fn` (read, change, write state.json) holding watch/state.lock, so that a running watch
 * and `watch --approve` in another terminal never undo each other's change.
 */
export function withWatchStateLock<T>(paths: Pick<CasePaths, 'root'>, fn: () => Promise<T>): Promise<T> {
  return withWaitingLock(join(watchDir(paths), 'state.lock'), 'watch', 'watch/state.json', fn);
}

export async function writeWatchState(paths: Pick<CasePaths, 'root'>, state: WatchState): Promise<void> {
  await writeFileAtomic(stateFile(paths), `${JSON.stringify(state, null, 2)}\n`);
}

/** A journald cursor is `s=..;i=..;b=..;m=..;t=..;x=..`: anything else in the file is refused. */
export const CURSOR_PATTERN = /^[A-Za-z0-9=;_-]{1,512}$/;

export async function readCursor(paths: Pick<CasePaths, 'root'>): Promise<string | undefined> {
  const text = (await readIfExists(cursorFile(paths)))?.trim();
  if (!text) return undefined;
  if (!CURSOR_PATTERN.test(text)) {
    throw new UserError(`${cursorFile(paths)} does not hold a journald cursor`, {
      hint: 'delete the file: the log source then starts again from the whole journal of the homeserver',
    });
  }
  return text;
}

export async function writeCursor(paths: Pick<CasePaths, 'root'>, cursor: string): Promise<void> {
  if (!CURSOR_PATTERN.test(cursor)) return;
  await ensurePrivateDir(watchDir(paths));
  await writeFileAtomic(cursorFile(paths), `${cursor}\n`);
}
