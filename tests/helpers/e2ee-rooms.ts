import { C3, type Ctx, HttpError, type Route } from './e2ee-homeserver-types.js';
import { appendEvent, clientEvent, type HsRoom, membership, rid, sessionKey, stateAt } from './e2ee-state.js';

function room(ctx: Ctx, joined = true): HsRoom {
  const r = ctx.state.rooms.get(ctx.params.roomId as string);
  if (!r) throw new HttpError(404, 'M_NOT_FOUND', 'Unknown room');
  if (joined && membership(r, ctx.session().userId) !== 'join') {
    throw new HttpError(403, 'M_FORBIDDEN', 'You are not in this room');
  }
  return r;
}

function join(ctx: Ctx, idOrAlias: string): { room_id: string } {
  const s = ctx.session();
  const id = idOrAlias.startsWith('#') ? ctx.state.aliases.get(idOrAlias) : idOrAlias;
  const r = id ? ctx.state.rooms.get(id) : undefined;
  if (!r) throw new HttpError(404, 'M_NOT_FOUND', 'No such room');
  const m = membership(r, s.userId);
  if (m === 'join') return { room_id: r.id };
  if (m !== 'invite') throw new HttpError(403, 'M_FORBIDDEN', 'You are not invited to this room');
  appendEvent(ctx.state, r, {
    type: 'm.room.member',
    state_key: s.userId,
    sender: s.userId,
    content: { membership: 'join' },
  });
  return { room_id: r.id };
}

export const roomRoutes: Route[] = [
  {
    method: 'POST',
    path: `${C3}/createRoom`,
    handler: (ctx) => {
      const s = ctx.session();
      const b = ctx.body();
      const r: HsRoom = { id: `!${rid(12)}:${ctx.state.domain}`, events: [] };
      ctx.state.rooms.set(r.id, r);
      const add = (type: string, content: Record<string, unknown>, stateKey = '') =>
        appendEvent(ctx.state, r, { type, state_key: stateKey, sender: s.userId, content });
      add('m.room.create', { creator: s.userId, room_version: '10' });
      add('m.room.member', { membership: 'join' }, s.userId);
      add('m.room.power_levels', {
        users: { [s.userId]: 100 },
        users_default: 0,
        events_default: 0,
        state_default: 50,
      });
      add('m.room.join_rules', { join_rule: b.preset === 'public_chat' ? 'public' : 'invite' });
      add('m.room.history_visibility', { history_visibility: 'shared' });
      for (const e of (b.initial_state as {
        type: string;
        state_key?: string;
        content: Record<string, unknown>;
      }[]) ?? []) {
        add(e.type, e.content, e.state_key ?? '');
      }
      if (typeof b.name === 'string') add('m.room.name', { name: b.name });
      if (typeof b.room_alias_name === 'string')
        ctx.state.aliases.set(`#${b.room_alias_name}:${ctx.state.domain}`, r.id);
      for (const u of (b.invite as string[]) ?? []) add('m.room.member', { membership: 'invite' }, u);
      return { room_id: r.id };
    },
  },
  {
    method: 'POST',
    path: `${C3}/join/{roomIdOrAlias}`,
    handler: (ctx) => join(ctx, ctx.params.roomIdOrAlias as string),
  },
  {
    method: 'POST',
    path: `${C3}/rooms/{roomId}/join`,
    handler: (ctx) => join(ctx, ctx.params.roomId as string),
  },
  {
    method: 'POST',
    path: `${C3}/rooms/{roomId}/invite`,
    handler: (ctx) => {
      const r = room(ctx);
      const target = ctx.body().user_id as string;
      if (!ctx.state.passwords.has(target)) throw new HttpError(404, 'M_NOT_FOUND', 'Unknown user');
      if (membership(r, target) === 'join')
        throw new HttpError(403, 'M_FORBIDDEN', `${target} is already in the room.`);
      appendEvent(ctx.state, r, {
        type: 'm.room.member',
        state_key: target,
        sender: ctx.session().userId,
        content: { membership: 'invite' },
      });
      return {};
    },
  },
  {
    method: 'PUT',
    path: `${C3}/rooms/{roomId}/send/{eventType}/{txnId}`,
    handler: (ctx) => {
      const r = room(ctx);
      const s = ctx.session();
      const dev = sessionKey(s);
      const again = r.txns?.get(`${dev}|${ctx.params.txnId}`);
      if (again) return { event_id: again.event_id };
      const e = appendEvent(ctx.state, r, {
        type: ctx.params.eventType as string,
        sender: s.userId,
        content: ctx.body(),
        txn: { device: dev, id: ctx.params.txnId as string },
      });
      return { event_id: e.event_id };
    },
  },
  {
    method: 'PUT',
    path: `${C3}/rooms/{roomId}/state/{eventType}/{stateKey}`,
    handler: (ctx) => {
      const r = room(ctx);
      const e = appendEvent(ctx.state, r, {
        type: ctx.params.eventType as string,
        state_key: ctx.params.stateKey as string,
        sender: ctx.session().userId,
        content: ctx.body(),
      });
      return { event_id: e.event_id };
    },
  },
  {
    method: 'PUT',
    path: `${C3}/rooms/{roomId}/redact/{eventId}/{txnId}`,
    handler: (ctx) => {
      const r = room(ctx);
      const s = ctx.session();
      const target = r.events.find((e) => e.event_id === ctx.params.eventId);
      if (!target) throw new HttpError(404, 'M_NOT_FOUND', 'Event not found');
      const e = appendEvent(ctx.state, r, {
        type: 'm.room.redaction',
        sender: s.userId,
        redacts: target.event_id,
        content: { ...ctx.body(), redacts: target.event_id },
        txn: { device: sessionKey(s), id: ctx.params.txnId as string },
      });
      target.redacted_because = e;
      return { event_id: e.event_id };
    },
  },
  {
    method: 'GET',
    path: `${C3}/rooms/{roomId}/members`,
    handler: (ctx) => ({
      chunk: [...stateAt(room(ctx)).values()]
        .filter((e) => e.type === 'm.room.member')
        .map((e) => clientEvent(e, undefined, true)),
    }),
  },
  {
    method: 'GET',
    path: `${C3}/rooms/{roomId}/state`,
    handler: (ctx) => [...stateAt(room(ctx)).values()].map((e) => clientEvent(e, undefined, true)),
  },
  {
    method: 'GET',
    path: `${C3}/rooms/{roomId}/event/{eventId}`,
    handler: (ctx) => {
      const e = room(ctx).events.find((x) => x.event_id === ctx.params.eventId);
      if (!e) throw new HttpError(404, 'M_NOT_FOUND', 'Event not found');
      return clientEvent(e, undefined, true);
    },
  },
  {
    method: 'GET',
    path: `${C3}/rooms/{roomId}/messages`,
    handler: (ctx) => {
      const r = room(ctx);
      const dir = ctx.query.get('dir');
      if (dir !== 'b' && dir !== 'f') throw new HttpError(400, 'M_INVALID_PARAM', 'dir must be b or f');
      const limit = Number(ctx.query.get('limit') ?? 10);
      const fromQ = ctx.query.get('from');
      const from = fromQ === null ? (dir === 'b' ? ctx.state.pos + 1 : 0) : Number(fromQ);
      const picked =
        dir === 'b'
          ? r.events
              .filter((e) => e.pos < from)
              .reverse()
              .slice(0, limit)
          : r.events.filter((e) => e.pos >= from).slice(0, limit);
      const last = picked.at(-1);
      const more = last !== undefined && (dir === 'b' ? r.events[0] !== last : r.events.at(-1) !== last);
      return {
        chunk: picked.map((e) => clientEvent(e, sessionKey(ctx.session()), true)),
        start: String(from),
        ...(more && last ? { end: String(dir === 'b' ? last.pos : last.pos + 1) } : {}),
      };
    },
  },
  {
    method: 'PUT',
    path: `${C3}/rooms/{roomId}/typing/{userId}`,
    handler: (ctx) => {
      room(ctx);
      return {};
    },
  },
  {
    method: 'POST',
    path: `${C3}/rooms/{roomId}/receipt/{receiptType}/{eventId}`,
    handler: (ctx) => {
      room(ctx);
      return {};
    },
  },
  {
    method: 'POST',
    path: `${C3}/rooms/{roomId}/read_markers`,
    handler: (ctx) => {
      room(ctx);
      return {};
    },
  },
  {
    method: 'POST',
    path: '/_matrix/media/v3/upload',
    handler: (ctx) => {
      ctx.session();
      const id = rid(12);
      ctx.state.media.set(id, { bytes: ctx.raw, type: ctx.contentType || 'application/octet-stream' });
      return { content_uri: `mxc://${ctx.state.domain}/${id}` };
    },
  },
  {
    method: 'GET',
    path: '/_matrix/client/v1/media/download/{serverName}/{mediaId}',
    handler: (ctx) => {
      ctx.session();
      const m =
        ctx.params.serverName === ctx.state.domain
          ? ctx.state.media.get(ctx.params.mediaId as string)
          : undefined;
      if (!m) throw new HttpError(404, 'M_NOT_FOUND', 'Not found');
      return { __bytes: m.bytes, type: m.type };
    },
  },
  {
    method: 'GET',
    path: '/_matrix/client/v1/media/config',
    handler: (ctx) => {
      ctx.session();
      return { 'm.upload.size': 50 * 1024 * 1024 };
    },
  },
];
