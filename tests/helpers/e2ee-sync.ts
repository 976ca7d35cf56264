import { C3, HttpError, type Route } from './e2ee-homeserver-types.js';
import {
  clientEvent,
  devicesOf,
  eventsFrom,
  type HsEvent,
  type HsRoom,
  type HsState,
  membership,
  rid,
  type Session,
  sessionKey,
  stateAt,
} from './e2ee-state.js';

/**
 * Sessions and /sync. Tokens are stream positions: a `since` of T returns what happened at
 * positions >= T; `next_batch` is the next position; a room's `prev_batch` is the position of its
 * first timeline event (so /messages?dir=b&from=prev_batch returns what came before).
 */
export const syncRoutes: Route[] = [
  {
    method: 'GET',
    path: '/_matrix/client/versions',
    handler: () => ({
      versions: [
        'v1.1',
        'v1.2',
        'v1.3',
        'v1.4',
        'v1.5',
        'v1.6',
        'v1.7',
        'v1.8',
        'v1.9',
        'v1.10',
        'v1.11',
        'v1.12',
      ],
      unstable_features: {},
    }),
  },
  { method: 'GET', path: `${C3}/login`, handler: () => ({ flows: [{ type: 'm.login.password' }] }) },
  {
    method: 'POST',
    path: `${C3}/login`,
    handler: ({ state, body }) => {
      const b = body();
      const ident = b.identifier as { type?: string; user?: string } | undefined;
      if (b.type !== 'm.login.password' || ident?.type !== 'm.id.user' || typeof ident.user !== 'string') {
        throw new HttpError(400, 'M_BAD_JSON', 'expected m.login.password with an m.id.user identifier');
      }
      const userId = ident.user.startsWith('@') ? ident.user : `@${ident.user}:${state.domain}`;
      if (state.passwords.get(userId) !== b.password)
        throw new HttpError(403, 'M_FORBIDDEN', 'Invalid password');
      const deviceId =
        typeof b.device_id === 'string'
          ? b.device_id
          : rid(6)
              .toUpperCase()
              .replace(/[^A-Z]/g, 'X');
      const token = `syt_${rid(18)}`;
      state.tokens.set(token, { userId, deviceId });
      const dev = devicesOf(state, userId);
      if (!dev.has(deviceId)) {
        dev.set(deviceId, {
          otks: new Map(),
          fallback: new Map(),
          ...(typeof b.initial_device_display_name === 'string'
            ? { displayName: b.initial_device_display_name }
            : {}),
        });
      }
      return { user_id: userId, access_token: token, device_id: deviceId };
    },
  },
  {
    method: 'POST',
    path: `${C3}/logout`,
    handler: ({ state, session, token }) => {
      const s = session();
      state.tokens.delete(token as string);
      devicesOf(state, s.userId).delete(s.deviceId);
      state.toDevice.delete(sessionKey(s));
      state.keyChanges.push({ pos: state.pos + 1, userId: s.userId });
      state.pos += 1;
      state.notify();
      return {};
    },
  },
  {
    method: 'GET',
    path: `${C3}/account/whoami`,
    handler: ({ session }) => ({ user_id: session().userId, device_id: session().deviceId }),
  },
  { method: 'GET', path: `${C3}/capabilities`, handler: () => ({ capabilities: {} }) },
  {
    method: 'GET',
    path: `${C3}/pushrules/`,
    handler: ({ session }) => {
      session();
      return { global: { override: [], content: [], room: [], sender: [], underride: [] } };
    },
  },
  {
    method: 'POST',
    path: `${C3}/user/{userId}/filter`,
    handler: ({ state, session, body }) => {
      session();
      const id = String(state.filters.size + 1);
      state.filters.set(id, body());
      return { filter_id: id };
    },
  },
  {
    method: 'GET',
    path: `${C3}/user/{userId}/filter/{filterId}`,
    handler: ({ state, params }) => {
      const f = state.filters.get(params.filterId as string);
      if (!f) throw new HttpError(404, 'M_NOT_FOUND', 'No such filter');
      return f;
    },
  },
  {
    method: 'GET',
    path: `${C3}/user/{userId}/account_data/{type}`,
    handler: ({ state, session, params }) => {
      const s = session();
      const found = (state.accountData.get(s.userId) ?? []).filter((a) => a.type === params.type).at(-1);
      if (!found) throw new HttpError(404, 'M_NOT_FOUND', 'Account data not found');
      return found.content;
    },
  },
  {
    method: 'PUT',
    path: `${C3}/user/{userId}/account_data/{type}`,
    handler: ({ state, session, params, body }) => {
      const s = session();
      const list = state.accountData.get(s.userId) ?? [];
      state.pos += 1;
      list.push({ pos: state.pos, type: params.type as string, content: body() });
      state.accountData.set(s.userId, list);
      state.notify();
      return {};
    },
  },
  {
    method: 'GET',
    path: `${C3}/profile/{userId}`,
    handler: ({ state, params }) => {
      if (!state.passwords.has(params.userId as string))
        throw new HttpError(404, 'M_NOT_FOUND', 'Profile not found');
      return { displayname: (params.userId as string).slice(1).split(':')[0] };
    },
  },
  {
    method: 'GET',
    path: `${C3}/sync`,
    handler: async (ctx) => {
      const s = ctx.session();
      const since = ctx.query.get('since');
      const from = since === null ? 0 : Number(since);
      if (!Number.isInteger(from) || from < 0) throw new HttpError(400, 'M_INVALID_PARAM', 'bad since token');
      const limit = timelineLimit(ctx.state, ctx.query.get('filter'));
      const timeout = Number(ctx.query.get('timeout') ?? 0);
      // Acknowledged to-device messages are gone (spec: deleted once the next batch is requested).
      const key = sessionKey(s);
      ctx.state.toDevice.set(
        key,
        (ctx.state.toDevice.get(key) ?? []).filter((m) => m.pos >= from),
      );
      if (since !== null && ctx.state.pos < from && timeout > 0 && !ctx.state.closed) {
        await ctx.waitForChange(Math.min(timeout, 30_000));
      }
      while (ctx.state.syncHeld.has(s.userId) && !ctx.state.closed) await ctx.waitForChange(1000);
      return syncResponse(ctx.state, s, from, limit);
    },
  },
];

function timelineLimit(state: HsState, filter: string | null): number {
  let f: Record<string, unknown> | undefined;
  if (filter?.startsWith('{')) f = JSON.parse(filter);
  else if (filter) f = state.filters.get(filter);
  const limit = (f?.room as { timeline?: { limit?: number } } | undefined)?.timeline?.limit;
  return typeof limit === 'number' && limit > 0 ? limit : 20;
}

function syncResponse(state: HsState, s: Session, from: number, limit: number): Record<string, unknown> {
  const join: Record<string, unknown> = {};
  const invite: Record<string, unknown> = {};
  const changed = new Set<string>();
  const sharesRoom = new Set<string>([s.userId]);
  for (const room of state.rooms.values()) {
    const m = membership(room, s.userId);
    if (m === 'join') {
      for (const [k, e] of stateAt(room)) {
        if (k.startsWith('m.room.member|') && e.content.membership === 'join')
          sharesRoom.add(e.state_key as string);
      }
      const r = joinedRoom(room, s, from, limit);
      if (r) join[room.id] = r;
    } else if (m === 'invite') {
      const inv = stateAt(room).get(`m.room.member|${s.userId}`) as HsEvent;
      if (inv.pos >= from) invite[room.id] = { invite_state: { events: strippedState(room, s.userId) } };
    }
  }
  for (const c of state.keyChanges) if (c.pos >= from && sharesRoom.has(c.userId)) changed.add(c.userId);
  const device = devicesOf(state, s.userId).get(s.deviceId);
  const otkCount = [...(device?.otks.keys() ?? [])].filter((k) => k.startsWith('signed_curve25519:')).length;
  return {
    next_batch: String(state.pos + 1),
    rooms: { join, invite, leave: {}, knock: {} },
    to_device: {
      events: (state.toDevice.get(sessionKey(s)) ?? []).filter((m) => m.pos >= from).map((m) => m.event),
    },
    device_lists: { changed: [...changed], left: [] },
    device_one_time_keys_count: { signed_curve25519: otkCount },
    device_unused_fallback_key_types: device && device.fallback.size > 0 ? ['signed_curve25519'] : [],
    account_data: {
      events: (state.accountData.get(s.userId) ?? [])
        .filter((a) => a.pos >= from)
        .map((a) => ({ type: a.type, content: a.content })),
    },
    presence: { events: [] },
  };
}

function joinedRoom(
  room: HsRoom,
  s: Session,
  from: number,
  limit: number,
): Record<string, unknown> | undefined {
  const fresh = eventsFrom(room, from);
  if (fresh.length === 0) return undefined;
  const timeline = fresh.slice(-limit);
  const first = timeline[0] as HsEvent;
  const limited = fresh.length > timeline.length;
  const joinedAt = (stateAt(room).get(`m.room.member|${s.userId}`) as HsEvent).pos;
  // Full state for a room new to this sync; otherwise only what changed in a skipped gap.
  const full = from === 0 || joinedAt >= from;
  const stateEvents =
    full || limited ? [...stateAt(room, first.pos).values()].filter((e) => full || e.pos >= from) : [];
  return {
    timeline: {
      events: timeline.map((e) => clientEvent(e, sessionKey(s))),
      limited,
      prev_batch: String(first.pos),
    },
    state: { events: stateEvents.map((e) => clientEvent(e)) },
    ephemeral: { events: [] },
    account_data: { events: [] },
    unread_notifications: { notification_count: 0, highlight_count: 0 },
    summary: {},
  };
}

function strippedState(room: HsRoom, userId: string): Record<string, unknown>[] {
  const st = stateAt(room);
  const keys = [
    'm.room.create|',
    'm.room.name|',
    'm.room.join_rules|',
    'm.room.encryption|',
    `m.room.member|${userId}`,
  ];
  return keys
    .map((k) => st.get(k))
    .filter((e): e is HsEvent => e !== undefined)
    .map((e) => ({ type: e.type, state_key: e.state_key, sender: e.sender, content: e.content }));
}
