import { C3, type Ctx, HttpError, type Route } from './e2ee-homeserver-types.js';
import { type Backup, bump, devicesOf, keysChanged, sessionKey } from './e2ee-state.js';

type Json = Record<string, unknown>;

function mergeSignatures(target: Json, signed: Json): void {
  const sigs = (target.signatures ?? {}) as Record<string, Json>;
  for (const [user, byKey] of Object.entries((signed.signatures ?? {}) as Record<string, Json>)) {
    sigs[user] = { ...(sigs[user] ?? {}), ...byKey };
  }
  target.signatures = sigs;
}

function currentBackup(ctx: Ctx): Backup | undefined {
  return (ctx.state.backups.get(ctx.session().userId) ?? []).at(-1);
}

function backupFor(ctx: Ctx, write: boolean): Backup {
  const v = ctx.query.get('version');
  const list = ctx.state.backups.get(ctx.session().userId) ?? [];
  const b = list.find((x) => x.version === v);
  if (!b) throw new HttpError(404, 'M_NOT_FOUND', 'Unknown backup version');
  if (write && b !== list.at(-1)) {
    throw new HttpError(403, 'M_WRONG_ROOM_KEYS_VERSION', 'Wrong backup version.', {
      current_version: list.at(-1)?.version,
    });
  }
  return b;
}

function backupInfo(b: Backup): Json {
  let count = 0;
  for (const room of b.keys.values()) count += room.size;
  return { algorithm: b.algorithm, auth_data: b.auth_data, version: b.version, count, etag: String(b.etag) };
}

export const keyRoutes: Route[] = [
  {
    method: 'POST',
    path: `${C3}/keys/upload`,
    handler: (ctx) => {
      const s = ctx.session();
      const b = ctx.body();
      const dev = devicesOf(ctx.state, s.userId).get(s.deviceId);
      if (!dev) throw new HttpError(401, 'M_UNKNOWN_TOKEN', 'device gone');
      if (b.device_keys) {
        dev.keys = b.device_keys as Json;
        keysChanged(ctx.state, s.userId);
      }
      for (const [id, k] of Object.entries((b.one_time_keys ?? {}) as Json)) dev.otks.set(id, k);
      for (const [id, k] of Object.entries((b.fallback_keys ?? {}) as Json)) {
        dev.fallback.clear();
        dev.fallback.set(id, k);
      }
      const count = [...dev.otks.keys()].filter((k) => k.startsWith('signed_curve25519:')).length;
      return { one_time_key_counts: { signed_curve25519: count } };
    },
  },
  {
    method: 'POST',
    path: `${C3}/keys/query`,
    handler: (ctx) => {
      const me = ctx.session().userId;
      const wanted = (ctx.body().device_keys ?? {}) as Record<string, string[]>;
      const device_keys: Json = {};
      const master_keys: Json = {};
      const self_signing_keys: Json = {};
      const user_signing_keys: Json = {};
      for (const [user, ids] of Object.entries(wanted)) {
        const out: Json = {};
        for (const [id, d] of devicesOf(ctx.state, user)) {
          if (d.keys && (ids.length === 0 || ids.includes(id))) out[id] = d.keys;
        }
        device_keys[user] = out;
        const cs = ctx.state.crossSigning.get(user);
        if (cs?.master) master_keys[user] = cs.master;
        if (cs?.self_signing) self_signing_keys[user] = cs.self_signing;
        if (user === me && cs?.user_signing) user_signing_keys[user] = cs.user_signing;
      }
      return { device_keys, master_keys, self_signing_keys, user_signing_keys, failures: {} };
    },
  },
  {
    method: 'POST',
    path: `${C3}/keys/claim`,
    handler: (ctx) => {
      ctx.session();
      const wanted = (ctx.body().one_time_keys ?? {}) as Record<string, Record<string, string>>;
      const one_time_keys: Json = {};
      for (const [user, byDevice] of Object.entries(wanted)) {
        const out: Json = {};
        for (const [deviceId, algorithm] of Object.entries(byDevice)) {
          const dev = devicesOf(ctx.state, user).get(deviceId);
          if (!dev) continue;
          const id = [...dev.otks.keys()].find((k) => k.startsWith(`${algorithm}:`));
          if (id) {
            out[deviceId] = { [id]: dev.otks.get(id) };
            dev.otks.delete(id);
          } else {
            const fb = [...dev.fallback.entries()].find(([k]) => k.startsWith(`${algorithm}:`));
            if (fb) out[deviceId] = { [fb[0]]: fb[1] };
          }
        }
        one_time_keys[user] = out;
      }
      return { one_time_keys, failures: {} };
    },
  },
  {
    method: 'GET',
    path: `${C3}/keys/changes`,
    handler: (ctx) => {
      ctx.session();
      const from = Number(ctx.query.get('from') ?? 0);
      return {
        changed: [...new Set(ctx.state.keyChanges.filter((c) => c.pos >= from).map((c) => c.userId))],
        left: [],
      };
    },
  },
  {
    method: 'PUT',
    path: `${C3}/sendToDevice/{eventType}/{txnId}`,
    handler: (ctx) => {
      const s = ctx.session();
      const messages = (ctx.body().messages ?? {}) as Record<string, Record<string, Json>>;
      for (const [user, byDevice] of Object.entries(messages)) {
        for (const [deviceId, content] of Object.entries(byDevice)) {
          const targets = deviceId === '*' ? [...devicesOf(ctx.state, user).keys()] : [deviceId];
          for (const d of targets) {
            const key = sessionKey({ userId: user, deviceId: d });
            const queue = ctx.state.toDevice.get(key) ?? [];
            queue.push({
              pos: bump(ctx.state),
              event: { type: ctx.params.eventType, sender: s.userId, content },
            });
            ctx.state.toDevice.set(key, queue);
          }
        }
      }
      return {};
    },
  },
  {
    method: 'POST',
    path: `${C3}/keys/device_signing/upload`,
    handler: (ctx) => {
      const s = ctx.session();
      const b = ctx.body();
      const existing = ctx.state.crossSigning.get(s.userId);
      // Spec v1.11: no user-interactive auth when the user has no master key yet.
      if (existing?.master && !b.auth) {
        throw new HttpError(401, 'M_FORBIDDEN', 'auth needed', {
          flows: [{ stages: ['m.login.password'] }],
          params: {},
          session: 'uia1',
        });
      }
      if (b.auth) {
        const a = b.auth as { password?: string };
        if (ctx.state.passwords.get(s.userId) !== a.password)
          throw new HttpError(403, 'M_FORBIDDEN', 'bad password');
      }
      const next = { ...(existing ?? {}) };
      if (b.master_key) next.master = b.master_key as Json;
      if (b.self_signing_key) next.self_signing = b.self_signing_key as Json;
      if (b.user_signing_key) next.user_signing = b.user_signing_key as Json;
      ctx.state.crossSigning.set(s.userId, next);
      keysChanged(ctx.state, s.userId);
      return {};
    },
  },
  {
    method: 'POST',
    path: `${C3}/keys/signatures/upload`,
    handler: (ctx) => {
      ctx.session();
      for (const [user, byKey] of Object.entries(ctx.body() as Record<string, Record<string, Json>>)) {
        for (const [keyId, signed] of Object.entries(byKey)) {
          const dev = devicesOf(ctx.state, user).get(keyId);
          const cs = ctx.state.crossSigning.get(user);
          const masterId = cs?.master
            ? Object.keys((cs.master.keys ?? {}) as Json)[0]?.split(':')[1]
            : undefined;
          if (dev?.keys) mergeSignatures(dev.keys, signed);
          else if (cs?.master && keyId === masterId) mergeSignatures(cs.master, signed);
        }
        keysChanged(ctx.state, user);
      }
      return { failures: {} };
    },
  },
  {
    method: 'POST',
    path: `${C3}/room_keys/version`,
    handler: (ctx) => {
      const s = ctx.session();
      const b = ctx.body();
      const list = ctx.state.backups.get(s.userId) ?? [];
      const version = String(list.length + 1);
      list.push({
        version,
        algorithm: b.algorithm as string,
        auth_data: b.auth_data as Json,
        keys: new Map(),
        etag: 0,
      });
      ctx.state.backups.set(s.userId, list);
      return { version };
    },
  },
  {
    method: 'GET',
    path: `${C3}/room_keys/version`,
    handler: (ctx) => {
      const b = currentBackup(ctx);
      if (!b) throw new HttpError(404, 'M_NOT_FOUND', 'No current backup version');
      return backupInfo(b);
    },
  },
  {
    method: 'GET',
    path: `${C3}/room_keys/version/{version}`,
    handler: (ctx) => {
      const b = (ctx.state.backups.get(ctx.session().userId) ?? []).find(
        (x) => x.version === ctx.params.version,
      );
      if (!b) throw new HttpError(404, 'M_NOT_FOUND', 'Unknown backup version');
      return backupInfo(b);
    },
  },
  {
    method: 'PUT',
    path: `${C3}/room_keys/keys`,
    handler: (ctx) => {
      const b = backupFor(ctx, true);
      const rooms = (ctx.body().rooms ?? {}) as Record<string, { sessions: Record<string, Json> }>;
      for (const [roomId, r] of Object.entries(rooms)) {
        const m = b.keys.get(roomId) ?? new Map();
        for (const [sid, data] of Object.entries(r.sessions ?? {})) m.set(sid, data);
        b.keys.set(roomId, m);
      }
      b.etag += 1;
      const info = backupInfo(b);
      return { count: info.count, etag: info.etag };
    },
  },
  {
    method: 'GET',
    path: `${C3}/room_keys/keys`,
    handler: (ctx) => {
      const b = backupFor(ctx, false);
      const rooms: Json = {};
      for (const [roomId, m] of b.keys) rooms[roomId] = { sessions: Object.fromEntries(m) };
      return { rooms };
    },
  },
  {
    method: 'GET',
    path: `${C3}/room_keys/keys/{roomId}`,
    handler: (ctx) => {
      const m = backupFor(ctx, false).keys.get(ctx.params.roomId as string);
      if (!m) throw new HttpError(404, 'M_NOT_FOUND', 'No room keys found');
      return { sessions: Object.fromEntries(m) };
    },
  },
  {
    method: 'GET',
    path: `${C3}/room_keys/keys/{roomId}/{sessionId}`,
    handler: (ctx) => {
      const k = backupFor(ctx, false)
        .keys.get(ctx.params.roomId as string)
        ?.get(ctx.params.sessionId as string);
      if (!k) throw new HttpError(404, 'M_NOT_FOUND', 'No room keys found');
      return k;
    },
  },
];
