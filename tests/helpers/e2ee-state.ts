import { randomBytes } from 'node:crypto';

export interface Session {
  userId: string;
  deviceId: string;
}

export interface HsEvent {
  event_id: string;
  type: string;
  sender: string;
  content: Record<string, unknown>;
  origin_server_ts: number;
  state_key?: string;
  redacts?: string;
  room_id: string;
  /** Stream position: tokens are positions (see e2ee-sync.ts). */
  pos: number;
  /** Who sent it with which transaction ID (echoed to that device only). */
  txn?: { device: string; id: string };
  redacted_because?: HsEvent;
}

export interface HsRoom {
  id: string;
  events: HsEvent[];
  /** The current state (type|state_key → event), kept up to date by appendEvent. */
  current?: Map<string, HsEvent>;
  /** device|txnId → event, for idempotent sends. */
  txns?: Map<string, HsEvent>;
}

export interface DeviceInfo {
  keys?: Record<string, unknown>;
  otks: Map<string, unknown>;
  fallback: Map<string, unknown>;
  displayName?: string;
}

export interface Backup {
  version: string;
  algorithm: string;
  auth_data: Record<string, unknown>;
  keys: Map<string, Map<string, Record<string, unknown>>>;
  etag: number;
}

export interface HsState {
  domain: string;
  pos: number;
  passwords: Map<string, string>;
  tokens: Map<string, Session>;
  devices: Map<string, Map<string, DeviceInfo>>;
  crossSigning: Map<string, Record<string, Record<string, unknown>>>;
  /** pos → user whose keys changed. */
  keyChanges: { pos: number; userId: string }[];
  toDevice: Map<string, { pos: number; event: Record<string, unknown> }[]>;
  rooms: Map<string, HsRoom>;
  aliases: Map<string, string>;
  accountData: Map<string, { pos: number; type: string; content: Record<string, unknown> }[]>;
  filters: Map<string, Record<string, unknown>>;
  backups: Map<string, Backup[]>;
  media: Map<string, { bytes: Buffer; type: string }>;
  closed: boolean;
  /** Users whose /sync answers wait (a network outage, in tests): see E2eeHomeserver.holdSync. */
  syncHeld: Set<string>;
  notify(): void;
}

export function newState(domain: string): HsState {
  return {
    domain,
    pos: 0,
    passwords: new Map(),
    tokens: new Map(),
    devices: new Map(),
    crossSigning: new Map(),
    keyChanges: [],
    toDevice: new Map(),
    rooms: new Map(),
    aliases: new Map(),
    accountData: new Map(),
    filters: new Map(),
    backups: new Map(),
    media: new Map(),
    closed: false,
    syncHeld: new Set(),
    notify: () => {},
  };
}

export const rid = (n = 9) => randomBytes(n).toString('base64url');

/** The next stream position; wakes long-polling syncs. */
export function bump(state: HsState): number {
  state.pos += 1;
  queueMicrotask(() => state.notify());
  return state.pos;
}

export function devicesOf(state: HsState, userId: string): Map<string, DeviceInfo> {
  let d = state.devices.get(userId);
  if (!d) {
    d = new Map();
    state.devices.set(userId, d);
  }
  return d;
}

export function keysChanged(state: HsState, userId: string): void {
  state.keyChanges.push({ pos: bump(state), userId });
}

/** Events at positions >= `from` (events are in position order). */
export function eventsFrom(room: HsRoom, from: number): HsEvent[] {
  let lo = 0;
  let hi = room.events.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((room.events[mid] as HsEvent).pos < from) lo = mid + 1;
    else hi = mid;
  }
  return room.events.slice(lo);
}

/** The room's state before position `pos` (latest event per type and state key). */
export function stateAt(room: HsRoom, pos = Number.POSITIVE_INFINITY): Map<string, HsEvent> {
  if (pos === Number.POSITIVE_INFINITY && room.current) return room.current;
  const out = new Map<string, HsEvent>();
  for (const e of room.events) {
    if (e.pos >= pos) break;
    if (e.state_key !== undefined) out.set(`${e.type}|${e.state_key}`, e);
  }
  return out;
}

export function membership(room: HsRoom, userId: string): string | undefined {
  return (
    (stateAt(room).get(`m.room.member|${userId}`)?.content.membership as string | undefined) ?? undefined
  );
}

export function appendEvent(
  state: HsState,
  room: HsRoom,
  e: Omit<HsEvent, 'event_id' | 'pos' | 'origin_server_ts' | 'room_id'>,
): HsEvent {
  const event: HsEvent = {
    ...e,
    room_id: room.id,
    event_id: `$${rid(18)}`,
    origin_server_ts: Date.now(),
    pos: bump(state),
  };
  room.events.push(event);
  if (event.state_key !== undefined) {
    room.current ??= new Map();
    room.current.set(`${event.type}|${event.state_key}`, event);
  }
  if (event.txn) {
    room.txns ??= new Map();
    room.txns.set(`${event.txn.device}|${event.txn.id}`, event);
  }
  if (event.type === 'm.room.member' && event.content.membership === 'join' && event.state_key) {
    // Synapse lists a user whose membership changed in device_lists.changed of everyone in the room.
    state.keyChanges.push({ pos: event.pos, userId: event.state_key });
  }
  return event;
}

/** An event as the client-server API returns it. */
export function clientEvent(e: HsEvent, forDevice?: string, withRoomId = false): Record<string, unknown> {
  const out: Record<string, unknown> = {
    event_id: e.event_id,
    type: e.type,
    sender: e.sender,
    content: e.redacted_because ? redactedContent(e) : e.content,
    origin_server_ts: e.origin_server_ts,
    unsigned: {
      age: Date.now() - e.origin_server_ts,
      ...(e.txn && e.txn.device === forDevice ? { transaction_id: e.txn.id } : {}),
      ...(e.redacted_because
        ? { redacted_because: clientEvent(e.redacted_because, undefined, withRoomId) }
        : {}),
    },
  };
  if (e.state_key !== undefined) out.state_key = e.state_key;
  if (e.redacts) out.redacts = e.redacts;
  if (withRoomId) out.room_id = e.room_id;
  return out;
}

/** What a redaction keeps (room version 10, the keys clients need). */
function redactedContent(e: HsEvent): Record<string, unknown> {
  const keep: Record<string, string[]> = {
    'm.room.member': ['membership'],
    'm.room.create': ['creator'],
    'm.room.join_rules': ['join_rule'],
    'm.room.power_levels': [
      'ban',
      'events',
      'events_default',
      'kick',
      'redact',
      'state_default',
      'users',
      'users_default',
    ],
    'm.room.history_visibility': ['history_visibility'],
  };
  const keys = keep[e.type] ?? [];
  return Object.fromEntries(Object.entries(e.content).filter(([k]) => keys.includes(k)));
}

export function sessionKey(s: { userId: string; deviceId: string }): string {
  return `${s.userId}|${s.deviceId}`;
}
