import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpError } from './e2ee-homeserver-types.js';

/**
 * A Matrix homeserver on loopback that implements the client-server API calls matrix-oob uses
 * (login, logout, directory, createRoom, invite, members, room state) and checks every request
 * against the spec's shapes: method, path encoding, auth header, JSON body. Anything off the
 * spec is answered with an error *and* recorded in `violations`, which tests assert empty.
 */

export interface RecordedRequest {
  method: string;
  /** Raw path as sent (still URL-encoded). */
  rawPath: string;
  authorized: boolean;
  body: unknown;
}

export interface FakeRoom {
  id: string;
  createBody: Record<string, unknown> | undefined;
  members: Map<string, string>;
  state: Map<string, Record<string, unknown>>;
  /** Timeline events sent with PUT /send (network mode), oldest first. */
  events?: { event_id: string; type: string; sender: string; content: Record<string, unknown> }[];
}

/**
 * Several fake homeservers sharing their rooms, standing in for federation (no server-server
 * API here): a room is one object seen by every instance, so what one server's user sends is in
 * the room on every server that is up. Aliases stay per server; `directory` and canonical-alias
 * checks look them up across the network, as Synapse does over federation.
 */
export interface FakeNetwork {
  rooms: Map<string, FakeRoom>;
  /** alias -> room ID, for every instance. */
  aliases: Map<string, string>;
  /** domain -> whether that instance answers (a stopped server does not). */
  up: Map<string, boolean>;
}

export function createFakeNetwork(): FakeNetwork {
  return { rooms: new Map(), aliases: new Map(), up: new Map() };
}

export interface FakeHomeserverOptions {
  domain: string;
  /** localpart -> password. */
  users: Record<string, string>;
  /** Put the submitted password into the error text of a failed login (a careless server). */
  echoSecrets?: boolean;
  /** Answer the first N calls of this endpoint name with 429 M_LIMIT_EXCEEDED. */
  rateLimit?: { endpoint: string; times: number; retryAfterMs: number };
  /** Answer invites of these users with 404 M_NOT_FOUND (no such user). */
  unknownUsers?: string[];
  /** Delay every call of this endpoint (to interrupt the client meanwhile). */
  slow?: { endpoint: string; ms: number };
  /** Share rooms with other instances (a case with fallback servers). */
  network?: FakeNetwork;
  /** More endpoints (e.g. tests/helpers/fake-sessions.ts): answer, or undefined if not theirs. */
  extension?: FakeExtension;
  /** Told of every successful login (user ID, User-Agent header). */
  onLogin?(userId: string, userAgent: string): void;
}

/** What an extension gets for one request it may answer. */
export interface FakeRequest {
  method: string;
  endpoint: string;
  parts: string[];
  body: unknown;
  /** The caller's user ID (401 when the token is missing or unknown). */
  requireAuth(): string;
  /** Record a spec violation and answer 400. */
  violation(text: string): never;
  /** Answer with an error. */
  fail(status: number, errcode: string, message: string): never;
}

export type FakeExtension = (req: FakeRequest) => Promise<unknown> | unknown;

// /account/deactivate follows the spec's user-interactive auth (account_deactivation.yaml,
// definitions/auth_data.yaml): a call without `auth` gets 401 {flows, session}; the answer
// carries {type: m.login.password, identifier, password, session}. Deactivated users cannot log
// in and their tokens stop working.

export interface FakeHomeserver {
  url: string;
  requests: RecordedRequest[];
  violations: string[];
  rooms: Map<string, FakeRoom>;
  aliases: Map<string, string>;
  /** Access tokens currently valid. */
  liveTokens(): number;
  /** User IDs deactivated through /account/deactivate. */
  deactivated: Set<string>;
  /** Number of calls per endpoint name, e.g. "createRoom". */
  count(endpoint: string): number;
  /** A user accepts their invite. */
  join(roomId: string, userId: string): void;
  /** Make a room directly (as if made by someone else). */
  seedRoom(
    alias: string,
    members: Record<string, string>,
    state?: Record<string, Record<string, unknown>>,
  ): string;
  close(): Promise<void>;
}

export async function startFakeHomeserver(options: FakeHomeserverOptions): Promise<FakeHomeserver> {
  const { domain } = options;
  const requests: RecordedRequest[] = [];
  const violations: string[] = [];
  const tokens = new Map<string, string>();
  const network = options.network;
  const rooms = network?.rooms ?? new Map<string, FakeRoom>();
  const aliases = new Map<string, string>();
  network?.up.set(domain, true);
  /** An alias of any server of the network (or only this one without a network). */
  const lookupAlias = (alias: string) => (network ? network.aliases.get(alias) : aliases.get(alias));
  const addAlias = (alias: string, roomId: string) => {
    aliases.set(alias, roomId);
    network?.aliases.set(alias, roomId);
  };
  const counts = new Map<string, number>();
  const deactivated = new Set<string>();
  const uiaSessions = new Set<string>();
  let rateLimited = 0;

  const violation = (text: string): never => {
    violations.push(text);
    throw new HttpError(400, 'M_BAD_JSON', `spec violation: ${text}`);
  };

  const newRoom = (): FakeRoom => {
    const id = `!${randomBytes(6).toString('hex')}:${domain}`;
    const room: FakeRoom = { id, createBody: undefined, members: new Map(), state: new Map() };
    rooms.set(id, room);
    return room;
  };

  const handle = async (req: IncomingMessage, body: unknown, raw: string): Promise<unknown> => {
    const method = req.method ?? 'GET';
    const rawPath = (req.url ?? '').split('?')[0]!;
    const auth = req.headers.authorization;
    requests.push({ method, rawPath, authorized: auth !== undefined, body });
    // Synapse's admin API (/_synapse/admin/...) is only there when an extension serves it.
    const synapseAdmin = rawPath.startsWith('/_synapse/admin/') && options.extension !== undefined;
    const prefix = synapseAdmin ? '/_synapse/admin' : '/_matrix/client/v3';
    if (!rawPath.startsWith(`${prefix}/`)) violation(`unknown API prefix in ${rawPath}`);
    const segments = rawPath.slice(prefix.length + 1).split('/');
    for (const s of segments) {
      // Room IDs, aliases and user IDs must be percent-encoded where the spec requires it.
      if (/[#:@]/.test(s)) violation(`path segment not URL-encoded: ${s}`);
    }
    const parts = segments.map((s) => decodeURIComponent(s));
    const endpoint = synapseAdmin
      ? `synapse-admin ${method} ${parts.join('/')}`
      : endpointName(method, parts);
    counts.set(endpoint, (counts.get(endpoint) ?? 0) + 1);
    if (options.slow?.endpoint === endpoint) await new Promise((r) => setTimeout(r, options.slow?.ms));
    if (options.rateLimit?.endpoint === endpoint && rateLimited < options.rateLimit.times) {
      rateLimited += 1;
      throw new HttpError(429, 'M_LIMIT_EXCEEDED', 'Too Many Requests', {
        retry_after_ms: options.rateLimit.retryAfterMs,
      });
    }
    if (method !== 'GET' && raw.length > 0 && !/^application\/json/.test(req.headers['content-type'] ?? '')) {
      violation(`${endpoint}: Content-Type must be application/json`);
    }

    const requireAuth = (): string => {
      if (!auth) throw new HttpError(401, 'M_MISSING_TOKEN', 'Missing access token');
      const m = /^Bearer (\S+)$/.exec(auth);
      if (!m) return violation('Authorization header is not "Bearer <token>"');
      const user = tokens.get(m[1]!);
      if (!user) throw new HttpError(401, 'M_UNKNOWN_TOKEN', 'Unknown access token');
      return user;
    };
    const obj = (): Record<string, unknown> => {
      if (body === null || typeof body !== 'object' || Array.isArray(body))
        return violation(`${endpoint}: body must be a JSON object`);
      return body as Record<string, unknown>;
    };
    const roomFor = (id: string, user: string): FakeRoom => {
      const room = rooms.get(id);
      if (!room) throw new HttpError(404, 'M_NOT_FOUND', 'Unknown room');
      if (room.members.get(user) !== 'join') {
        throw new HttpError(403, 'M_FORBIDDEN', `User ${user} not in room ${id}`);
      }
      return room;
    };

    /** An extension's answer (e.g. tests/helpers/fake-sessions.ts), else a spec violation. */
    const viaExtension = async (): Promise<unknown> => {
      const answer = await options.extension?.({
        method,
        endpoint,
        parts,
        body,
        requireAuth,
        violation,
        fail: (status, errcode, message) => {
          throw new HttpError(status, errcode, message);
        },
      });
      if (answer !== undefined) return answer;
      return violation(`unexpected call ${method} ${rawPath}`);
    };
    switch (endpoint) {
      case 'login': {
        if (auth) violation('login must not carry an access token');
        const b = obj();
        if (b.type !== 'm.login.password')
          violation(`login type must be m.login.password, got ${String(b.type)}`);
        if ('user' in b) violation('login uses the deprecated top-level "user"; use identifier');
        const id = b.identifier as Record<string, unknown> | undefined;
        if (id?.type !== 'm.id.user' || typeof id.user !== 'string') {
          violation('login identifier must be {type: "m.id.user", user: "<localpart>"}');
        }
        if (typeof b.password !== 'string') violation('login password must be a string');
        const localpart = String(id!.user).replace(/^@/, '').split(':')[0]!;
        if (deactivated.has(`@${localpart}:${domain}`)) {
          throw new HttpError(403, 'M_USER_DEACTIVATED', 'This account has been deactivated');
        }
        if (options.users[localpart] === undefined || options.users[localpart] !== b.password) {
          throw new HttpError(
            403,
            'M_FORBIDDEN',
            options.echoSecrets ? `Invalid password "${String(b.password)}"` : 'Invalid username or password',
          );
        }
        const token = `syt_${randomBytes(16).toString('hex')}`;
        const userId = `@${localpart}:${domain}`;
        tokens.set(token, userId);
        options.onLogin?.(userId, req.headers['user-agent'] ?? '');
        return { access_token: token, user_id: userId, device_id: 'FAKEDEVICE', home_server: domain };
      }
      case 'logout': {
        requireAuth();
        tokens.delete(/^Bearer (\S+)$/.exec(auth ?? '')![1]!);
        return {};
      }
      case 'deactivate': {
        const user = requireAuth();
        const b = obj();
        if ('erase' in b && typeof b.erase !== 'boolean') violation('deactivate erase must be a boolean');
        if (b.auth === undefined) {
          const session = randomBytes(8).toString('hex');
          uiaSessions.add(session);
          throw new HttpError(401, 'M_UNAUTHORIZED', '', {
            flows: [{ stages: ['m.login.password'] }],
            params: {},
            session,
          });
        }
        const a = b.auth as Record<string, unknown>;
        if (a.type !== 'm.login.password') violation(`deactivate auth type must be m.login.password`);
        if (typeof a.session !== 'string' || !uiaSessions.has(a.session))
          violation('deactivate auth must carry the session of the 401 answer');
        const id = a.identifier as Record<string, unknown> | undefined;
        if (id?.type !== 'm.id.user' || typeof id.user !== 'string')
          violation('deactivate auth identifier must be {type: "m.id.user", user}');
        const localpart = String(id!.user).replace(/^@/, '').split(':')[0]!;
        if (`@${localpart}:${domain}` !== user || options.users[localpart] !== a.password) {
          throw new HttpError(401, 'M_FORBIDDEN', 'Invalid password', {
            flows: [{ stages: ['m.login.password'] }],
            session: a.session,
          });
        }
        deactivated.add(user);
        for (const [t, u] of tokens) if (u === user) tokens.delete(t);
        return { id_server_unbind_result: 'success' };
      }
      case 'directory': {
        const alias = parts[2]!;
        if (!alias.startsWith('#')) violation(`alias must start with #: ${alias}`);
        const owner = alias.slice(alias.indexOf(':') + 1);
        if (network && owner !== domain && network.up.get(owner) !== true) {
          throw new HttpError(502, 'M_UNKNOWN', `Failed to query remote server ${owner}`);
        }
        const roomId = lookupAlias(alias);
        if (!roomId) throw new HttpError(404, 'M_NOT_FOUND', `Room alias ${alias} not found`);
        return { room_id: roomId, servers: [owner] };
      }
      case 'createRoom': {
        const user = requireAuth();
        const b = obj();
        if (b.preset !== 'private_chat')
          violation(`createRoom preset must be private_chat, got ${String(b.preset)}`);
        if (b.visibility !== 'private')
          violation(`createRoom visibility must be private, got ${String(b.visibility)}`);
        if (typeof b.room_alias_name !== 'string' || /[#:]/.test(b.room_alias_name)) {
          violation('createRoom room_alias_name must be the localpart only');
        }
        if (!Array.isArray(b.initial_state)) violation('createRoom initial_state must be a list');
        for (const ev of b.initial_state as Record<string, unknown>[]) {
          if (
            typeof ev.type !== 'string' ||
            typeof ev.state_key !== 'string' ||
            typeof ev.content !== 'object'
          ) {
            violation('initial_state events need type, state_key (string) and content');
          }
        }
        const alias = `#${String(b.room_alias_name)}:${domain}`;
        if (lookupAlias(alias)) throw new HttpError(400, 'M_ROOM_IN_USE', 'Room alias already taken');
        const room = newRoom();
        room.createBody = b;
        room.members.set(user, 'join');
        if (network) {
          const override = (b.power_level_content_override ?? {}) as { users?: Record<string, number> };
          room.state.set('m.room.power_levels|', {
            users: { [user]: 100, ...override.users },
            users_default: 0,
          });
          room.events = [];
        }
        for (const ev of b.initial_state as {
          type: string;
          state_key: string;
          content: Record<string, unknown>;
        }[]) {
          room.state.set(`${ev.type}|${ev.state_key}`, ev.content);
        }
        addAlias(alias, room.id);
        return { room_id: room.id };
      }
      case 'joinRoom': {
        if (!network) return viaExtension();
        const user = requireAuth();
        const target = parts[1]!;
        if (!/^[!#]/.test(target)) violation(`join needs a room ID or alias, got ${target}`);
        const roomId = target.startsWith('#') ? lookupAlias(target) : target;
        const room = roomId ? rooms.get(roomId) : undefined;
        if (!room) throw new HttpError(404, 'M_NOT_FOUND', 'No known servers');
        const via = new URL(req.url ?? '', 'http://x').searchParams.getAll('via');
        const local = [...room.members].some(([id, m]) => m === 'join' && id.endsWith(`:${domain}`));
        if (!local) {
          // A remote join goes through a server in the room that is up (spec: via).
          const reachable = via.some(
            (d) =>
              network.up.get(d) === true &&
              [...room.members].some(([id, m]) => m === 'join' && id.endsWith(`:${d}`)),
          );
          if (!reachable) throw new HttpError(404, 'M_NOT_FOUND', 'No known servers');
        }
        const m = room.members.get(user);
        if (m !== 'invite' && m !== 'join')
          throw new HttpError(403, 'M_FORBIDDEN', 'You are not invited to this room.');
        room.members.set(user, 'join');
        return { room_id: room.id };
      }
      case 'setAlias': {
        if (!network) return viaExtension();
        const user = requireAuth();
        const alias = parts[2]!;
        const b = obj();
        if (typeof b.room_id !== 'string' || !b.room_id.startsWith('!'))
          violation('setAlias needs room_id "!id:server"');
        if (!alias.startsWith('#') || !alias.endsWith(`:${domain}`)) {
          throw new HttpError(400, 'M_INVALID_PARAM', 'Room alias must be local');
        }
        if (lookupAlias(alias)) throw new HttpError(409, 'M_UNKNOWN', 'Room alias already exists');
        // Synapse: only a member of the room may point an alias at it.
        roomFor(String(b.room_id), user);
        addAlias(alias, String(b.room_id));
        return {};
      }
      case 'send': {
        if (!network) return viaExtension();
        const user = requireAuth();
        const room = roomFor(parts[1]!, user);
        const content = obj();
        if (typeof content.msgtype !== 'string' || typeof content.body !== 'string') {
          violation('m.room.message content needs msgtype and body strings');
        }
        const event_id = `$${randomBytes(6).toString('hex')}`;
        room.events!.push({ event_id, type: parts[3]!, sender: user, content });
        return { event_id };
      }
      case 'messages': {
        if (!network) return viaExtension();
        const user = requireAuth();
        const room = roomFor(parts[1]!, user);
        const q = new URL(req.url ?? '', 'http://x').searchParams;
        if (q.get('dir') !== 'b' && q.get('dir') !== 'f') violation('messages needs dir=b or dir=f');
        const limit = Number(q.get('limit') ?? '10');
        const chunk = [...(room.events ?? [])].reverse().slice(0, limit);
        return {
          start: 's0',
          chunk: chunk.map((e) => ({ ...e, room_id: room.id, origin_server_ts: Date.now() })),
        };
      }
      case 'invite': {
        const user = requireAuth();
        const room = roomFor(parts[1]!, user);
        const b = obj();
        if (typeof b.user_id !== 'string' || !/^@[^:]+:.+$/.test(b.user_id))
          violation('invite needs user_id "@name:domain"');
        const target = String(b.user_id);
        if (options.unknownUsers?.includes(target)) throw new HttpError(404, 'M_NOT_FOUND', 'Unknown user');
        const m = room.members.get(target);
        if (m === 'join') throw new HttpError(403, 'M_FORBIDDEN', `${target} is already in the room.`);
        if (m === 'ban') throw new HttpError(403, 'M_FORBIDDEN', `${target} is banned from the room`);
        room.members.set(target, 'invite');
        return {};
      }
      case 'members': {
        const user = requireAuth();
        const room = roomFor(parts[1]!, user);
        return {
          chunk: [...room.members].map(([id, membership], i) => ({
            type: 'm.room.member',
            state_key: id,
            content: { membership },
            room_id: room.id,
            sender: id,
            event_id: `$ev${i}`,
            origin_server_ts: Date.now(),
          })),
        };
      }
      case 'getState':
      case 'putState': {
        const user = requireAuth();
        const room = roomFor(parts[1]!, user);
        const key = `${parts[3]}|${parts[4] ?? ''}`;
        if (endpoint === 'putState') {
          if (network && parts[3] === 'm.room.canonical_alias') {
            // Synapse refuses aliases that do not point at this room (M_BAD_ALIAS).
            const c = obj() as { alias?: unknown; alt_aliases?: unknown };
            const listed = [c.alias, ...(Array.isArray(c.alt_aliases) ? c.alt_aliases : [])].filter(
              (a) => a !== undefined,
            );
            for (const a of listed) {
              if (typeof a !== 'string' || lookupAlias(a) !== room.id) {
                throw new HttpError(400, 'M_BAD_ALIAS', `Room alias ${String(a)} does not point to the room`);
              }
            }
          }
          if (network && parts[3] === 'm.room.power_levels') {
            const old = (room.state.get(key)?.users ?? {}) as Record<string, number>;
            if ((old[user] ?? 0) < 100)
              throw new HttpError(403, 'M_FORBIDDEN', 'You may not change power levels');
          }
          room.state.set(key, obj());
          return { event_id: `$${randomBytes(4).toString('hex')}` };
        }
        const content = room.state.get(key);
        if (!content) throw new HttpError(404, 'M_NOT_FOUND', 'Event not found.');
        return content;
      }
      default:
        return viaExtension();
    }
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        violations.push(`body is not JSON: ${raw.slice(0, 40)}`);
        send(res, 400, { errcode: 'M_NOT_JSON', error: 'Content not JSON.' });
        return;
      }
      handle(req, body, raw).then(
        (out) => send(res, 200, out),
        (err: unknown) => {
          if (err instanceof HttpError)
            send(res, err.status, { errcode: err.errcode, error: err.message, ...err.extra });
          else send(res, 500, { errcode: 'M_UNKNOWN', error: String(err) });
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    violations,
    rooms,
    aliases,
    liveTokens: () => tokens.size,
    deactivated,
    count: (endpoint) => counts.get(endpoint) ?? 0,
    join(roomId, userId) {
      rooms.get(roomId)!.members.set(userId, 'join');
    },
    seedRoom(alias, members, state = {}) {
      const room = newRoom();
      for (const [id, m] of Object.entries(members)) room.members.set(id, m);
      for (const [key, content] of Object.entries(state)) room.state.set(key, content);
      addAlias(alias, room.id);
      return room.id;
    },
    close: () =>
      new Promise<void>((resolve) => {
        network?.up.set(domain, false);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function endpointName(method: string, parts: string[]): string {
  const [a, , c] = parts;
  if (method === 'POST' && a === 'login' && parts.length === 1) return 'login';
  if (method === 'POST' && a === 'logout' && parts.length === 1) return 'logout';
  if (method === 'POST' && a === 'account' && parts[1] === 'deactivate' && parts.length === 2)
    return 'deactivate';
  if (method === 'GET' && a === 'directory' && parts[1] === 'room' && parts.length === 3) return 'directory';
  if (method === 'POST' && a === 'createRoom' && parts.length === 1) return 'createRoom';
  if (a === 'rooms' && parts.length === 3 && method === 'POST' && c === 'invite') return 'invite';
  if (a === 'rooms' && parts.length === 3 && method === 'GET' && c === 'members') return 'members';
  if (method === 'POST' && a === 'join' && parts.length === 2) return 'joinRoom';
  if (method === 'PUT' && a === 'directory' && parts[1] === 'room' && parts.length === 3) return 'setAlias';
  if (method === 'GET' && a === 'rooms' && c === 'messages' && parts.length === 3) return 'messages';
  if (a === 'rooms' && c === 'state' && (parts.length === 5 || parts.length === 4)) {
    if (method === 'GET') return 'getState';
    if (method === 'PUT') return 'putState';
  }
  if (method === 'GET' && a === 'admin' && parts[1] === 'whois' && parts.length === 3) return 'whois';
  if (method === 'POST' && a === 'keys' && parts[1] === 'query' && parts.length === 2) return 'keysQuery';
  if (a === 'rooms' && parts.length === 5 && method === 'PUT' && c === 'send') return 'send';
  return `unknown ${method} ${parts.join('/')}`;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
