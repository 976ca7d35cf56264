import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createSecureContext, type SecureContext } from 'node:tls';
import type { TestCa } from './test-ca.js';

/**
 * A deployed MDAD server as seen from outside, on loopback: one HTTPS listener for port 443
 * (base domain, matrix.<domain>, element.<domain>, chosen by SNI) and one for port 8448.
 * Answers are looked up by Host header + path in `routes`, which tests may change.
 */
export interface Route {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  /** Accept the request and never answer (timeout tests). */
  hang?: boolean;
}

export interface FakeDeployment {
  domain: string;
  port443: number;
  port8448: number;
  /** Key: Host header as sent (with :8448 for the federation port) + path. */
  routes: Map<string, Route>;
  /** curl-style --connect-to specs that send every name of the deployment here. */
  connectTo(): string[];
  close(): Promise<void>;
}

export interface FakeDeploymentOptions {
  /** Certificate names per SNI name on port 443 (default: the name itself). */
  certs443?: Record<string, readonly string[]>;
  /** Certificate names per SNI name on port 8448 (default: the name itself). */
  certs8448?: Record<string, readonly string[]>;
}

const json = (value: unknown, headers: Record<string, string> = {}): Route => ({
  status: 200,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(value),
});

export function correctRoutes(domain: string): Map<string, Route> {
  const matrix = `matrix.${domain}`;
  return new Map<string, Route>([
    [`${domain}/.well-known/matrix/server`, json({ 'm.server': `${matrix}:8448` })],
    [
      `${domain}/.well-known/matrix/client`,
      json({ 'm.homeserver': { base_url: `https://${matrix}` } }, { 'access-control-allow-origin': '*' }),
    ],
    [`${matrix}/_matrix/client/versions`, json({ versions: ['r0.6.1', 'v1.1', 'v1.11'] })],
    [
      `${matrix}:8448/_matrix/federation/v1/version`,
      json({ server: { name: 'Synapse', version: '1.120.0' } }),
    ],
    [
      `element.${domain}/config.json`,
      json({
        default_server_config: { 'm.homeserver': { base_url: `https://${matrix}`, server_name: domain } },
      }),
    ],
  ]);
}

export async function startFakeDeployment(
  ca: TestCa,
  domain: string,
  options: FakeDeploymentOptions = {},
): Promise<FakeDeployment> {
  const routes = correctRoutes(domain);
  const names = [domain, `matrix.${domain}`, `element.${domain}`];
  const [s443, s8448] = await Promise.all([
    listen(ca, names, options.certs443 ?? {}, routes),
    listen(ca, [`matrix.${domain}`], options.certs8448 ?? {}, routes),
  ]);
  const port443 = (s443.address() as AddressInfo).port;
  const port8448 = (s8448.address() as AddressInfo).port;
  return {
    domain,
    port443,
    port8448,
    routes,
    connectTo: () => [
      ...names.map((n) => `${n}:443:127.0.0.1:${port443}`),
      `matrix.${domain}:8448:127.0.0.1:${port8448}`,
    ],
    close: async () => {
      await Promise.all([stop(s443), stop(s8448)]);
    },
  };
}

async function listen(
  ca: TestCa,
  sniNames: readonly string[],
  overrides: Record<string, readonly string[]>,
  routes: Map<string, Route>,
): Promise<Server> {
  const contexts = new Map<string, SecureContext>();
  const pems = await Promise.all(sniNames.map((name) => ca.issue(overrides[name] ?? [name])));
  sniNames.forEach((name, i) => {
    contexts.set(name, createSecureContext(pems[i]));
  });
  const first = pems[0]!;
  const server = createServer(
    {
      key: first.key,
      cert: first.cert,
      SNICallback: (servername, cb) => cb(null, contexts.get(servername) ?? contexts.get(sniNames[0]!)),
    },
    (req, res) => {
      const route = routes.get(`${req.headers.host}${req.url}`);
      if (route?.hang) return;
      if (!route) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('{"errcode":"M_UNRECOGNIZED","error":"Unrecognized request"}');
        return;
      }
      res.writeHead(route.status ?? 200, route.headers ?? {});
      res.end(route.body ?? '');
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

function stop(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

/** A loopback port that nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const { createServer: createTcp } = await import('node:net');
  const srv = createTcp();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}
