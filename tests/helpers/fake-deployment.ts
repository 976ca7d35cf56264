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
  /** Answer from the request itself (method and body), e.g. Jitsi's BOSH endpoint. */
  respond?: (request: { method: string; body: string; contentType: string }) => Route;
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
      json(
        {
          'm.homeserver': { base_url: `https://${matrix}` },
          // What MDAD adds with matrix_rtc_enabled (group_vars: ..._msc4143_rtc_foci_auto).
          'org.matrix.msc4143.rtc_foci': [
            { type: 'livekit', livekit_service_url: `https://${matrix}/livekit-jwt-service` },
          ],
        },
        { 'access-control-allow-origin': '*' },
      ),
    ],
    [`${matrix}/_matrix/client/versions`, json({ versions: ['r0.6.1', 'v1.1', 'v1.11'] })],
    [
      `${matrix}:8448/_matrix/federation/v1/version`,
      json({ server: { name: 'Synapse', version: '1.120.0' } }),
    ],
    [`${matrix}/livekit-jwt-service/healthz`, { status: 200, body: '' }],
    [
      `jitsi.${domain}/`,
      {
        status: 200,
        headers: { 'content-type': 'text/html' },
        body: '<!DOCTYPE html><title>Jitsi Meet</title>',
      },
    ],
    [`jitsi.${domain}/http-bind`, boshRoute(['PLAIN', 'SCRAM-SHA-1'])],
    [
      `element.${domain}/config.json`,
      json({
        default_server_config: { 'm.homeserver': { base_url: `https://${matrix}`, server_name: domain } },
      }),
    ],
  ]);
}

/**
 * Prosody's answer to a BOSH session request (XEP-0124/XEP-0206) offering `mechanisms`:
 * with Jitsi's internal auth, PLAIN/SCRAM only; an open instance also offers ANONYMOUS. A
 * request that is not a BOSH session request for meet.jitsi gets 400, as Prosody would refuse it.
 */
export function boshRoute(mechanisms: readonly string[]): Route {
  return {
    respond: ({ method, body, contentType }) => {
      const ok =
        method === 'POST' &&
        contentType.startsWith('text/xml') &&
        /xmlns='http:\/\/jabber\.org\/protocol\/httpbind'/.test(body) &&
        /\bto='meet\.jitsi'/.test(body) &&
        /\brid='\d+'/.test(body) &&
        /xmpp:version='1\.0'/.test(body);
      if (!ok) return { status: 400, body: '' };
      const mech = mechanisms.map((m) => `<mechanism>${m}</mechanism>`).join('');
      return {
        status: 200,
        headers: { 'content-type': 'text/xml; charset=utf-8' },
        body:
          "<body xmlns='http://jabber.org/protocol/httpbind' xmlns:stream='http://etherx.jabber.org/streams' " +
          "xmlns:xmpp='urn:xmpp:xbosh' sid='0f6c' wait='10' requests='2' inactivity='60' ver='1.6' from='meet.jitsi' " +
          "xmpp:version='1.0' hold='1'><stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>" +
          `${mech}</mechanisms></stream:features></body>`,
      };
    },
  };
}

export async function startFakeDeployment(
  ca: TestCa,
  domain: string,
  options: FakeDeploymentOptions = {},
): Promise<FakeDeployment> {
  const routes = correctRoutes(domain);
  const names = [domain, `matrix.${domain}`, `element.${domain}`, `jitsi.${domain}`];
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
      const found = routes.get(`${req.headers.host}${req.url}`);
      if (found?.hang) return;
      if (!found) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('{"errcode":"M_UNRECOGNIZED","error":"Unrecognized request"}');
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const route = found.respond
          ? found.respond({
              method: req.method ?? '',
              body: Buffer.concat(chunks).toString('utf8'),
              contentType: String(req.headers['content-type'] ?? ''),
            })
          : found;
        res.writeHead(route.status ?? 200, route.headers ?? {});
        res.end(route.body ?? '');
      });
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
