import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Ctx, HttpError, type Route } from './e2ee-homeserver-types.js';
import { keyRoutes } from './e2ee-keys.js';
import { roomRoutes } from './e2ee-rooms.js';
import { type HsState, newState } from './e2ee-state.js';
import { syncRoutes } from './e2ee-sync.js';

/**
 * A Matrix homeserver on loopback for end-to-end tests of the recorder: enough of the
 * client-server API (login, sync with long polling, rooms, to-device, device keys, cross-signing,
 * key backup, authenticated media) for real matrix-js-sdk clients with Rust crypto to encrypt
 * and decrypt through it. One process, in memory. Every route is a (method, spec path template)
 * pair that tests/integration/e2ee-homeserver-contract.test.ts checks against ../shared/matrix-spec; a
 * request to anything else is answered 404 M_UNRECOGNIZED and listed in `unrecognized`.
 */
export interface E2eeHomeserver {
  url: string;
  domain: string;
  state: HsState;
  unrecognized: string[];
  addUser(localpart: string, password: string): string;
  /**
   * Hold every /sync answer to a user (as a network outage would) until released: what happens
   * meanwhile reaches its client as one sync, `limited` when more than the timeline limit.
   */
  holdSync(userId: string): void;
  releaseSync(userId: string): void;
  close(): Promise<void>;
}

export const ROUTES: Route[] = [...syncRoutes, ...roomRoutes, ...keyRoutes];

function compile(route: Route): { re: RegExp; names: string[] } {
  const names: string[] = [];
  const re = route.path.replace(/\{(\w+)\}/g, (_, n: string) => {
    names.push(n);
    return '([^/]+)';
  });
  return { re: new RegExp(`^${re}$`), names };
}

export async function startE2eeHomeserver(domain = 'rec.test'): Promise<E2eeHomeserver> {
  const state = newState(domain);
  const wake = new EventEmitter();
  wake.setMaxListeners(0);
  state.notify = () => wake.emit('change');
  const compiled = ROUTES.map((r) => ({ route: r, ...compile(r) }));
  const unrecognized: string[] = [];
  const sockets = new Set<import('node:net').Socket>();

  const handle = async (
    req: IncomingMessage,
    raw: Buffer,
  ): Promise<{ status: number; body: unknown; bytes?: Buffer; type?: string }> => {
    const url = new URL(req.url ?? '/', 'http://x');
    const method = req.method ?? 'GET';
    const found = compiled.find((c) => c.route.method === method && c.re.test(url.pathname));
    if (!found) {
      unrecognized.push(`${method} ${url.pathname}`);
      throw new HttpError(404, 'M_UNRECOGNIZED', 'Unrecognized request');
    }
    const m = found.re.exec(url.pathname) as RegExpExecArray;
    const params: Record<string, string> = {};
    found.names.forEach((n, i) => {
      params[n] = decodeURIComponent(m[i + 1] as string);
    });
    const auth =
      /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1] ?? url.searchParams.get('access_token');
    const session = auth ? state.tokens.get(auth) : undefined;
    const ctx: Ctx = {
      state,
      params,
      query: url.searchParams,
      raw,
      contentType: req.headers['content-type'] ?? '',
      body: () => {
        try {
          const v = JSON.parse(raw.toString('utf8') || '{}');
          if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
          return v as Record<string, unknown>;
        } catch {
          throw new HttpError(400, 'M_NOT_JSON', 'Content not JSON.');
        }
      },
      session: () => {
        if (!auth) throw new HttpError(401, 'M_MISSING_TOKEN', 'Missing access token');
        if (!session)
          throw new HttpError(401, 'M_UNKNOWN_TOKEN', 'Unknown access token', { soft_logout: false });
        return session;
      },
      token: auth ?? undefined,
      waitForChange: (ms) =>
        new Promise((resolve) => {
          const t = setTimeout(done, ms);
          function done() {
            clearTimeout(t);
            wake.off('change', done);
            resolve();
          }
          wake.on('change', done);
        }),
    };
    const result = await found.route.handler(ctx);
    if (result instanceof Buffer) return { status: 200, body: undefined, bytes: result };
    if (result && typeof result === 'object' && '__bytes' in result) {
      const r = result as { __bytes: Buffer; type: string };
      return { status: 200, body: undefined, bytes: r.__bytes, type: r.type };
    }
    return { status: 200, body: result };
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handle(req, Buffer.concat(chunks))
        .then((r) => {
          if (r.bytes) {
            res.writeHead(r.status, { 'content-type': r.type ?? 'application/octet-stream' });
            res.end(r.bytes);
          } else {
            res.writeHead(r.status, { 'content-type': 'application/json' });
            res.end(JSON.stringify(r.body ?? {}));
          }
        })
        .catch((err: unknown) => {
          const e =
            err instanceof HttpError
              ? err
              : new HttpError(500, 'M_UNKNOWN', String((err as Error)?.stack ?? err));
          res.writeHead(e.status, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ errcode: e.errcode, error: e.message, ...e.extra }));
        });
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    domain,
    state,
    unrecognized,
    addUser: (localpart, password) => {
      const id = `@${localpart}:${domain}`;
      state.passwords.set(id, password);
      return id;
    },
    holdSync: (userId) => {
      state.syncHeld.add(userId);
    },
    releaseSync: (userId) => {
      state.syncHeld.delete(userId);
      wake.emit('change');
    },
    close: () =>
      new Promise<void>((resolve) => {
        state.closed = true;
        wake.emit('change');
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export function randomId(n = 8): string {
  return randomBytes(n).toString('hex');
}
