import type { FakeExtension, FakeHomeserver } from './fake-homeserver.js';

/**
 * The state the `watch` command reads from a homeserver, for the test homeserver: accounts'
 * connections (what GET /admin/whois returns: IP, user agent, last seen), their devices with
 * end-to-end keys (POST /keys/query), and the notices posted to rooms (PUT /rooms/.../send).
 * Shapes are Synapse's: whois files every connection under the device key "" (checked against
 * the spec in tests/integration/watch.test.ts).
 */
export interface FakeConnection {
  ip: string;
  user_agent: string;
  last_seen: number;
}

export interface FakeSessions {
  extension: FakeExtension;
  /** Pass as startFakeHomeserver's onLogin: a login is a connection from 127.0.0.1. */
  onLogin(userId: string, userAgent: string): void;
  /** The homeserver, once started (to check room membership of senders). */
  attach(hs: FakeHomeserver): void;
  /** A login from a client: a device (with keys unless keys: false) and a connection. */
  login(
    userId: string,
    device: { id: string; ip: string; userAgent: string; displayName?: string; keys?: boolean; at?: number },
  ): void;
  /** Traffic on an existing session: a connection from (maybe) another address. */
  connect(userId: string, ip: string, userAgent: string, at?: number): void;
  /** Deactivate: devices go, the connection history stays (as in Synapse). */
  deactivate(userId: string): void;
  notices: { roomId: string; sender: string; body: string; msgtype: string; txnId: string }[];
  /** Every whois response sent (for the spec check). */
  whoisAnswers: unknown[];
  keysAnswers: unknown[];
  keysRequests: unknown[];
}

export function fakeSessions(options: {
  admins: readonly string[];
  /** Serve Synapse's admin API (/_synapse/admin/v2/users...), as when MDAD exposes it. */
  synapseAdminApi?: boolean;
}): FakeSessions {
  const connections = new Map<string, FakeConnection[]>();
  const devices = new Map<
    string,
    Map<string, { displayName?: string; keys: boolean; ip: string; userAgent: string; at: number }>
  >();
  const deactivated = new Set<string>();
  const notices: FakeSessions['notices'] = [];
  const whoisAnswers: unknown[] = [];
  const keysAnswers: unknown[] = [];
  const keysRequests: unknown[] = [];
  const txns = new Set<string>();
  let hs: FakeHomeserver | undefined;

  const connect = (userId: string, ip: string, userAgent: string, at = Date.now()) => {
    const list = connections.get(userId) ?? [];
    const same = list.find((c) => c.ip === ip && c.user_agent === userAgent);
    if (same) same.last_seen = Math.max(same.last_seen, at);
    else list.push({ ip, user_agent: userAgent, last_seen: at });
    connections.set(userId, list);
  };

  const extension: FakeExtension = (req) => {
    if (req.endpoint.startsWith('synapse-admin ')) {
      // Without the admin API exposed, the reverse proxy answers 404 (as MDAD's default does).
      if (!options.synapseAdminApi) req.fail(404, 'M_UNRECOGNIZED', 'Unrecognized request');
      const caller = req.requireAuth();
      if (!options.admins.includes(caller)) req.fail(403, 'M_FORBIDDEN', 'You are not a server admin');
      const [version, users, user, what] = req.parts;
      if (req.method === 'GET' && version === 'v2' && users === 'users' && user === undefined) {
        const all = [...new Set([...devices.keys(), ...connections.keys(), ...deactivated])];
        return {
          users: all.map((name) => ({
            name,
            admin: options.admins.includes(name),
            deactivated: deactivated.has(name),
          })),
          total: all.length,
        };
      }
      if (req.method === 'GET' && version === 'v2' && users === 'users' && what === 'devices') {
        const mine = devices.get(user!) ?? new Map();
        const list = [...mine].map(([id, d]) => ({
          device_id: id,
          display_name: d.displayName ?? null,
          last_seen_ip: d.ip,
          last_seen_user_agent: d.userAgent,
          last_seen_ts: d.at,
          user_id: user,
        }));
        return { devices: list, total: list.length };
      }
      return req.violation(`unexpected Synapse admin call ${req.method} ${req.parts.join('/')}`);
    }
    switch (req.endpoint) {
      case 'whois': {
        const caller = req.requireAuth();
        const target = req.parts[2]!;
        if (!/^@[^:]+:.+$/.test(target)) req.violation(`whois needs a user ID, got ${target}`);
        if (caller !== target && !options.admins.includes(caller)) {
          req.fail(403, 'M_FORBIDDEN', 'You are not a server admin');
        }
        const answer = {
          user_id: target,
          devices: { '': { sessions: [{ connections: [...(connections.get(target) ?? [])] }] } },
        };
        whoisAnswers.push(answer);
        return answer;
      }
      case 'keysQuery': {
        req.requireAuth();
        keysRequests.push(req.body);
        const body = req.body as { device_keys?: unknown };
        if (!body || typeof body.device_keys !== 'object' || body.device_keys === null) {
          req.violation('keys/query needs device_keys');
        }
        const out: Record<string, Record<string, unknown>> = {};
        for (const [user, wanted] of Object.entries(body.device_keys as Record<string, unknown>)) {
          if (!Array.isArray(wanted)) req.violation('keys/query device_keys values must be lists');
          const mine = devices.get(user);
          if (!mine) continue;
          out[user] = {};
          for (const [id, d] of mine) {
            if (!d.keys || ((wanted as string[]).length > 0 && !(wanted as string[]).includes(id))) continue;
            out[user]![id] = {
              user_id: user,
              device_id: id,
              algorithms: ['m.olm.v1.curve25519-aes-sha2', 'm.megolm.v1.aes-sha2'],
              keys: { [`curve25519:${id}`]: 'Y3VydmU', [`ed25519:${id}`]: 'ZWQyNTUxOQ' },
              signatures: { [user]: { [`ed25519:${id}`]: 'c2lnbmF0dXJl' } },
              ...(d.displayName !== undefined ? { unsigned: { device_display_name: d.displayName } } : {}),
            };
          }
        }
        const answer = { failures: {}, device_keys: out };
        keysAnswers.push(answer);
        return answer;
      }
      case 'send': {
        const sender = req.requireAuth();
        const [, roomId, , type, txnId] = req.parts as [string, string, string, string, string];
        if (type !== 'm.room.message') req.violation(`send: event type ${type}`);
        const room = hs?.rooms.get(roomId);
        if (!room) req.fail(404, 'M_NOT_FOUND', 'Unknown room');
        if (room!.members.get(sender) !== 'join') req.fail(403, 'M_FORBIDDEN', `${sender} not in room`);
        const b = req.body as { msgtype?: unknown; body?: unknown };
        if (typeof b?.msgtype !== 'string' || typeof b.body !== 'string')
          req.violation('m.room.message needs msgtype and body (strings)');
        if (txns.has(`${sender}|${txnId}`)) req.violation(`transaction ID reused: ${txnId}`);
        txns.add(`${sender}|${txnId}`);
        notices.push({ roomId, sender, body: String(b.body), msgtype: String(b.msgtype), txnId });
        return { event_id: `$notice${notices.length}` };
      }
      default:
        return undefined;
    }
  };

  return {
    extension,
    onLogin: (userId, userAgent) => connect(userId, '127.0.0.1', userAgent),
    attach: (h) => {
      hs = h;
    },
    login(userId, d) {
      const mine = devices.get(userId) ?? new Map();
      mine.set(d.id, {
        ...(d.displayName !== undefined ? { displayName: d.displayName } : {}),
        keys: d.keys ?? true,
        ip: d.ip,
        userAgent: d.userAgent,
        at: d.at ?? Date.now(),
      });
      devices.set(userId, mine);
      connect(userId, d.ip, d.userAgent, d.at);
    },
    connect,
    deactivate(userId) {
      devices.delete(userId);
      deactivated.add(userId);
    },
    notices,
    whoisAnswers,
    keysAnswers,
    keysRequests,
  };
}
