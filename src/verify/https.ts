import type { IncomingHttpHeaders } from 'node:http';
import { request } from 'node:https';
import { isIP } from 'node:net';
import {
  createSecureContext,
  type PeerCertificate,
  rootCertificates,
  type SecureContext,
  type TLSSocket,
} from 'node:tls';
import { VERSION } from '../version.js';

/**
 * The one HTTPS adapter of `verify`: a GET that reports the TLS facts (trusted? right name?
 * which names does the certificate carry?) next to the HTTP answer. Nothing is sent but a GET,
 * or a POST a check declares (Jitsi's BOSH session request, which changes nothing on the
 * server), and no body is read from a server whose certificate failed verification.
 */

export interface HttpsPost {
  body: string;
  contentType: string;
}

/** curl's --connect-to: requests for host:port go to toHost:toPort (SNI and Host stay `host`). */
export interface ConnectTo {
  host: string;
  port: number;
  toHost: string;
  toPort: number;
}

export interface HttpsGetOptions {
  /** Redirect requests for a host:port to another address (offline tests, pre-DNS checks). */
  connectTo?: readonly ConnectTo[];
  /** Extra trusted CA certificates (PEM), added to Node's default root store. */
  ca?: readonly string[];
  /** Deadline for the whole request, redirects included. */
  timeoutMs: number;
  /** Follow at most this many redirects (https only). Default 5. */
  maxRedirects?: number;
  /** Stop reading after this many bytes. Default 256 KiB. */
  maxBodyBytes?: number;
  /** POST this instead of a GET; a redirect answer is then returned, not followed. */
  post?: HttpsPost;
}

export interface TlsFacts {
  /** The certificate chains to a trusted CA and is valid for the requested host name. */
  authorized: boolean;
  /** OpenSSL/Node code when not authorized, e.g. ERR_TLS_CERT_ALTNAME_INVALID. */
  error?: string;
  /** DNS names the certificate is valid for (subjectAltName, else the CN). */
  names: string[];
  issuer?: string;
  validTo?: string;
}

export interface HttpsResponse {
  /** The URL that answered (after redirects). */
  url: string;
  /** Every URL visited, first to last. */
  chain: string[];
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  tls: TlsFacts;
}

/** The request did not produce an HTTP answer: DNS, TCP, TLS or the deadline. */
export class HttpsGetError extends Error {
  readonly code: string;
  readonly url: string;
  readonly tls: TlsFacts | undefined;
  constructor(code: string, url: string, message: string, tls?: TlsFacts) {
    super(message);
    this.name = 'HttpsGetError';
    this.code = code;
    this.url = url;
    this.tls = tls;
  }
}

export type HttpsGet = (url: string, options: HttpsGetOptions) => Promise<HttpsResponse>;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** GET `url`, following https redirects, within options.timeoutMs. */
export const httpsGet: HttpsGet = async (url, options) => {
  const deadline = Date.now() + options.timeoutMs;
  const chain: string[] = [];
  let current = url;
  const max = options.maxRedirects ?? 5;
  for (;;) {
    chain.push(current);
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw timeoutError(current, options.timeoutMs);
    const res = await getOnce(current, options, remaining, options.timeoutMs);
    const location = res.headers.location;
    if (!REDIRECTS.has(res.status) || !location || options.post) return { ...res, url: current, chain };
    if (chain.length > max) {
      throw new HttpsGetError('TOO_MANY_REDIRECTS', url, `more than ${max} redirects (last: ${current})`);
    }
    const next = new URL(location, current);
    if (next.protocol !== 'https:') {
      throw new HttpsGetError('INSECURE_REDIRECT', current, `redirects to ${next.href}, which is not https`);
    }
    current = next.href;
  }
};

/** Parse curl-style `HOST:PORT:ADDR:PORT` (ADDR may be [IPv6]). */
export function parseConnectTo(spec: string): ConnectTo | undefined {
  const m = /^([^:[\]]+):(\d{1,5}):(\[[0-9a-fA-F:.]+\]|[^:[\]]+):(\d{1,5})$/.exec(spec.trim());
  if (!m) return undefined;
  const port = Number(m[2]);
  const toPort = Number(m[4]);
  if (port < 1 || port > 65535 || toPort < 1 || toPort > 65535) return undefined;
  const toHost = m[3]!.startsWith('[') ? m[3]!.slice(1, -1) : m[3]!;
  if (m[3]!.startsWith('[') && isIP(toHost) !== 6) return undefined;
  return { host: m[1]!.toLowerCase(), port, toHost, toPort };
}

/**
 * One TLS context per CA list: parsing Node's ~145 root certificates costs ~50 ms of CPU, so it
 * is done once per verification, not once per request.
 */
const contexts = new WeakMap<readonly string[], SecureContext>();
function trustingContext(ca: readonly string[]): SecureContext {
  let context = contexts.get(ca);
  if (!context) {
    context = createSecureContext({ ca: [...rootCertificates, ...ca] });
    contexts.set(ca, context);
  }
  return context;
}

function target(host: string, port: number, connectTo: readonly ConnectTo[] = []) {
  const hit = connectTo.find((c) => c.host === host.toLowerCase() && c.port === port);
  return hit ? { host: hit.toHost, port: hit.toPort } : { host, port };
}

function timeoutError(url: string, timeoutMs: number): HttpsGetError {
  return new HttpsGetError('TIMEOUT', url, `no answer within ${formatSeconds(timeoutMs)}`);
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

function tlsFacts(socket: TLSSocket): TlsFacts {
  const cert = socket.getPeerCertificate();
  const facts: TlsFacts = { authorized: socket.authorized, names: certNames(cert) };
  if (!socket.authorized && socket.authorizationError) facts.error = String(socket.authorizationError);
  const issuer = cert?.issuer?.CN ?? cert?.issuer?.O;
  if (issuer) facts.issuer = String(issuer);
  if (cert?.valid_to) facts.validTo = cert.valid_to;
  return facts;
}

function certNames(cert: PeerCertificate | undefined): string[] {
  if (!cert || Object.keys(cert).length === 0) return [];
  const san = cert.subjectaltname;
  if (san) {
    return san
      .split(/,\s*/)
      .filter((e) => e.startsWith('DNS:'))
      .map((e) => e.slice(4));
  }
  const cn = cert.subject?.CN;
  return cn ? [String(cn)] : [];
}

function getOnce(
  url: string,
  options: HttpsGetOptions,
  remainingMs: number,
  timeoutMs: number,
): Promise<Omit<HttpsResponse, 'url' | 'chain'>> {
  const u = new URL(url);
  if (u.protocol !== 'https:') {
    return Promise.reject(new HttpsGetError('NOT_HTTPS', url, 'only https URLs are checked'));
  }
  const port = u.port ? Number(u.port) : 443;
  const hostname = u.hostname.replace(/^\[|\]$/g, '');
  const to = target(hostname, port, options.connectTo);
  const limit = options.maxBodyBytes ?? 256 * 1024;

  return new Promise((resolve, reject) => {
    let tls: TlsFacts | undefined;
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const req = request({
      host: to.host,
      port: to.port,
      path: `${u.pathname}${u.search}`,
      method: options.post ? 'POST' : 'GET',
      agent: false,
      // SNI and certificate name checks are for the name asked for, not the address used.
      ...(isIP(hostname) ? {} : { servername: hostname }),
      // We verify ourselves after the handshake, to report *why* a certificate is refused.
      rejectUnauthorized: false,
      ...(options.ca && options.ca.length > 0 ? { secureContext: trustingContext(options.ca) } : {}),
      headers: {
        host: port === 443 ? u.host.replace(/:443$/, '') : u.host,
        accept: options.post ? '*/*' : 'application/json',
        'user-agent': `matrix-oob/${VERSION} (verify)`,
        ...(options.post
          ? {
              'content-type': options.post.contentType,
              'content-length': String(Buffer.byteLength(options.post.body)),
            }
          : {}),
      },
    });
    const timer = setTimeout(() => {
      finish(() => reject(timeoutError(url, timeoutMs)));
      req.destroy();
    }, remainingMs);
    req.on('socket', (socket) => {
      socket.once('secureConnect', () => {
        tls = tlsFacts(socket as TLSSocket);
        if (!tls.authorized) {
          const facts = tls;
          finish(() =>
            reject(
              new HttpsGetError('TLS', url, `certificate refused: ${facts.error ?? 'not trusted'}`, facts),
            ),
          );
          req.destroy();
        }
      });
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      finish(() => reject(new HttpsGetError(err.code ?? 'ERROR', url, err.message, tls)));
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > limit) {
          finish(() => reject(new HttpsGetError('TOO_LARGE', url, `answer larger than ${limit} bytes`, tls)));
          req.destroy();
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => {
        finish(() =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            tls: tls ?? { authorized: false, names: [] },
          }),
        );
      });
      res.on('error', (err: NodeJS.ErrnoException) => {
        finish(() => reject(new HttpsGetError(err.code ?? 'ERROR', url, err.message, tls)));
      });
    });
    req.end(options.post?.body);
  });
}
