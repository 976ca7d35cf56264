import type { Config } from '../config/schema.js';
import { type HttpsGet, HttpsGetError, type HttpsGetOptions, type HttpsResponse, httpsGet } from './https.js';

/**
 * Post-deploy verification, from the operator's machine: the well-known files on the base
 * domain, the client-server API behind the reverse proxy, the federation port with its
 * certificate, and (with Element on) Element's config. Every check runs in parallel and
 * reports what it found and, when it failed, the one thing to do about it.
 */

export type CheckId = 'well-known-server' | 'well-known-client' | 'client-api' | 'federation' | 'element';
export type CheckStatus = 'ok' | 'fail';

export interface CheckResult {
  id: CheckId;
  /** Short human name, e.g. "well-known server". */
  title: string;
  url: string;
  status: CheckStatus;
  /** What was found (ok) or what is wrong (fail). */
  detail: string;
  /** How to fix it (only when status is fail). */
  fix?: string;
  duration_ms: number;
}

export interface VerifyReport {
  domain: string;
  ok: boolean;
  failed: number;
  checks: CheckResult[];
}

export type VerifyConfig = Pick<Config, 'domain' | 'serve_base_domain' | 'element'>;

export interface VerifyOptions {
  /** Send requests for HOST:PORT elsewhere (tests; checking before DNS has propagated). */
  connectTo?: HttpsGetOptions['connectTo'];
  /** Extra trusted CA certificates (PEM text), on top of the default trust store. */
  ca?: readonly string[];
  /** Deadline per check (redirects included). Default 10 s. */
  timeoutMs?: number;
  /** The HTTPS adapter; tests of pure logic may pass a fake. */
  get?: HttpsGet;
}

export const DEFAULT_TIMEOUT_MS = 10_000;

/** What a correct MDAD deployment serves for `domain`. */
export function expectedEndpoints(domain: string) {
  const matrix = `matrix.${domain}`;
  return {
    matrixHost: matrix,
    mServer: `${matrix}:8448`,
    baseUrl: `https://${matrix}`,
    wellKnownServer: `https://${domain}/.well-known/matrix/server`,
    wellKnownClient: `https://${domain}/.well-known/matrix/client`,
    clientVersions: `https://${matrix}/_matrix/client/versions`,
    federationVersion: `https://${matrix}:8448/_matrix/federation/v1/version`,
    elementConfig: `https://element.${domain}/config.json`,
  };
}

/** A check's verdict on a bad answer: what is wrong, and how to fix it. */
class CheckFailure extends Error {
  readonly fix: string;
  constructor(detail: string, fix: string) {
    super(detail);
    this.fix = fix;
  }
}

/** Where a host's problems are fixed: on our server (MDAD) or on someone else's web server. */
type Owner = 'ours' | 'base-elsewhere';

interface CheckSpec {
  id: CheckId;
  title: string;
  url: string;
  owner: Owner;
  /** Fix when the answer arrives but is wrong. */
  contentFix: string;
  /** Inspect a 200-or-other answer; return the ok detail or throw CheckFailure. */
  inspect(res: HttpsResponse): string;
}

/** Run every check in parallel. Never throws for a failed check; the report says it. */
export async function verifyDeployment(
  config: VerifyConfig,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const get = options.get ?? httpsGet;
  const getOptions: HttpsGetOptions = {
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    ...(options.connectTo ? { connectTo: options.connectTo } : {}),
    ...(options.ca ? { ca: options.ca } : {}),
  };
  const specs = checkSpecs(config);
  const checks = await Promise.all(specs.map((spec) => runCheck(spec, get, getOptions)));
  const failed = checks.filter((c) => c.status === 'fail').length;
  return { domain: config.domain, ok: failed === 0, failed, checks };
}

async function runCheck(spec: CheckSpec, get: HttpsGet, options: HttpsGetOptions): Promise<CheckResult> {
  const started = performance.now();
  const base = { id: spec.id, title: spec.title, url: spec.url };
  const took = () => Math.round(performance.now() - started);
  try {
    const res = await get(spec.url, options);
    const detail = spec.inspect(res);
    const via = res.chain.length > 1 ? ` (redirected to ${res.url})` : '';
    return { ...base, status: 'ok', detail: `${detail}${via}`, duration_ms: took() };
  } catch (err) {
    if (err instanceof CheckFailure) {
      return { ...base, status: 'fail', detail: err.message, fix: err.fix, duration_ms: took() };
    }
    if (err instanceof HttpsGetError) {
      const { detail, fix } = describeNetworkFailure(err, spec);
      return { ...base, status: 'fail', detail, fix, duration_ms: took() };
    }
    throw err;
  }
}

function checkSpecs(config: VerifyConfig): CheckSpec[] {
  const d = config.domain;
  const e = expectedEndpoints(d);
  const baseOwner: Owner = config.serve_base_domain ? 'ours' : 'base-elsewhere';
  const redeploy = 'run "matrix-oob deploy" again, then "matrix-oob verify"';
  const baseFix = (file: 'server' | 'client', content: string, header = '') =>
    config.serve_base_domain
      ? `this server serves ${d} (serve_base_domain: true): check that "A ${d}" points at it ("matrix-oob dns check") and ${redeploy}`
      : `on the web server of ${d}, serve /.well-known/matrix/${file} as ${content}${header} (or redirect /.well-known/matrix/ to https://${e.matrixHost}/.well-known/matrix/)`;

  const specs: CheckSpec[] = [
    {
      id: 'well-known-server',
      title: 'well-known server',
      url: e.wellKnownServer,
      owner: baseOwner,
      contentFix: baseFix('server', `{"m.server": "${e.mServer}"}`),
      inspect(res) {
        const body = jsonObject(res, this.contentFix);
        const value = body['m.server'];
        if (value === undefined) throw new CheckFailure('has no "m.server" key', this.contentFix);
        if (value !== e.mServer) {
          throw new CheckFailure(
            `m.server is ${JSON.stringify(value)}, expected "${e.mServer}" (other servers cannot federate)`,
            this.contentFix,
          );
        }
        return `m.server is ${e.mServer}`;
      },
    },
    {
      id: 'well-known-client',
      title: 'well-known client',
      url: e.wellKnownClient,
      owner: baseOwner,
      contentFix: baseFix(
        'client',
        `{"m.homeserver": {"base_url": "${e.baseUrl}"}}`,
        ' with the header "Access-Control-Allow-Origin: *"',
      ),
      inspect(res) {
        const body = jsonObject(res, this.contentFix);
        const problems: string[] = [];
        const hs = body['m.homeserver'];
        const baseUrl =
          hs !== null && typeof hs === 'object' ? (hs as Record<string, unknown>).base_url : undefined;
        if (baseUrl === undefined) problems.push('has no "m.homeserver.base_url"');
        else if (typeof baseUrl !== 'string' || baseUrl.replace(/\/+$/, '') !== e.baseUrl) {
          problems.push(`m.homeserver.base_url is ${JSON.stringify(baseUrl)}, expected "${e.baseUrl}"`);
        }
        const cors = header(res, 'access-control-allow-origin');
        if (cors === undefined) {
          problems.push(
            'no "Access-Control-Allow-Origin: *" header (web clients such as Element cannot read the file)',
          );
        } else if (cors.trim() !== '*') {
          problems.push(`"Access-Control-Allow-Origin" is ${JSON.stringify(cors)}, expected "*"`);
        }
        if (problems.length > 0) throw new CheckFailure(problems.join('; '), this.contentFix);
        return `m.homeserver.base_url is ${e.baseUrl}, CORS *`;
      },
    },
    {
      id: 'client-api',
      title: 'client API',
      url: e.clientVersions,
      owner: 'ours',
      contentFix: `the homeserver does not answer behind the reverse proxy: on the server run "systemctl list-units 'matrix-*'" to find the failed service, then ${redeploy}`,
      inspect(res) {
        const body = jsonObject(res, this.contentFix);
        const versions = body.versions;
        if (
          !Array.isArray(versions) ||
          versions.length === 0 ||
          !versions.every((v) => typeof v === 'string')
        ) {
          throw new CheckFailure('answer has no "versions" list of spec versions', this.contentFix);
        }
        return `serves spec versions ${versions[0]} to ${versions[versions.length - 1]} (${versions.length})`;
      },
    },
    {
      id: 'federation',
      title: 'federation',
      url: e.federationVersion,
      owner: 'ours',
      contentFix: `port 8448 answers but not as a Matrix homeserver: check that nothing else uses port 8448 on the server and ${redeploy}`,
      inspect(res) {
        const body = jsonObject(res, this.contentFix);
        const server = body.server;
        if (server === null || typeof server !== 'object') {
          throw new CheckFailure('answer has no "server" object', this.contentFix);
        }
        const { name, version } = server as Record<string, unknown>;
        const what = [name, version].filter((v) => typeof v === 'string').join(' ');
        return `port 8448, certificate valid for ${e.matrixHost}${what ? `, ${what}` : ''}`;
      },
    },
  ];
  if (config.element) {
    specs.push({
      id: 'element',
      title: 'Element',
      url: e.elementConfig,
      owner: 'ours',
      contentFix: `Element's config.json is not the one MDAD writes: ${redeploy}`,
      inspect(res) {
        const body = jsonObject(res, this.contentFix);
        const dsc = body.default_server_config as Record<string, unknown> | undefined;
        const hs = dsc?.['m.homeserver'] as Record<string, unknown> | undefined;
        const baseUrl = hs?.base_url;
        if (typeof baseUrl !== 'string' || baseUrl.replace(/\/+$/, '') !== e.baseUrl) {
          throw new CheckFailure(
            `default_server_config."m.homeserver".base_url is ${JSON.stringify(baseUrl)}, expected "${e.baseUrl}"`,
            this.contentFix,
          );
        }
        return `Element points at ${e.baseUrl}`;
      },
    });
  }
  return specs;
}

function header(res: HttpsResponse, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

/** The answer must be HTTP 200 with a JSON object body. */
function jsonObject(res: HttpsResponse, fix: string): Record<string, unknown> {
  if (res.status !== 200) {
    const why = res.status === 404 ? ' (not found)' : res.status >= 500 ? ' (server error)' : '';
    throw new CheckFailure(`HTTP ${res.status}${why}, expected 200`, fix);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(res.body);
  } catch {
    const type = header(res, 'content-type');
    throw new CheckFailure(
      `answer is not JSON${type ? ` (Content-Type ${type})` : ''}: ${JSON.stringify(snippet(res.body))}`,
      fix,
    );
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new CheckFailure(`answer is JSON but not an object: ${JSON.stringify(snippet(res.body))}`, fix);
  }
  return parsed as Record<string, unknown>;
}

function snippet(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > 60 ? `${one.slice(0, 60)}…` : one;
}

const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
]);

/** Turn a network-level failure into one line of what happened and one line of what to do. */
export function describeNetworkFailure(
  err: HttpsGetError,
  spec: Pick<CheckSpec, 'url' | 'owner'>,
): { detail: string; fix: string } {
  const u = new URL(err.url);
  const host = u.hostname;
  const port = u.port || '443';
  const elsewhere = spec.owner === 'base-elsewhere';
  const firewall = elsewhere
    ? `make the web server of ${host} answer HTTPS on port ${port}`
    : `open TCP port ${port} on the server's firewall and at the hosting provider, and check the reverse proxy runs ("systemctl status matrix-traefik")`;
  const certFix = elsewhere
    ? `give the web server of ${host} a valid certificate for ${host}`
    : `Traefik could not get a Let's Encrypt certificate for ${host}: check DNS ("matrix-oob dns check"), that ports 80 and 443 are open and any Cloudflare proxy is off ("DNS only"), then read "journalctl -u matrix-traefik" on the server`;
  switch (err.code) {
    case 'TIMEOUT':
      return { detail: `${host}:${port}: ${err.message}`, fix: firewall };
    case 'ECONNREFUSED':
      return {
        detail: `${host}:${port}: connection refused (nothing listens on port ${port})`,
        fix: firewall,
      };
    case 'ECONNRESET':
    case 'EPIPE':
      return { detail: `${host}:${port}: connection closed during the TLS handshake`, fix: certFix };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return { detail: `${host}:${port}: no route to host`, fix: firewall };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'ENODATA':
      return {
        detail: `${host} does not resolve (${err.code})`,
        fix: `create the DNS records first and wait until "matrix-oob dns check" passes`,
      };
    case 'TLS':
      return describeTls(err, host, certFix);
    case 'TOO_MANY_REDIRECTS':
    case 'INSECURE_REDIRECT':
      return {
        detail: err.message,
        fix: elsewhere
          ? `fix the redirect on the web server of ${host}: it must end at an https URL serving the file`
          : `remove the redirect loop, then run "matrix-oob deploy" again`,
      };
    default:
      if (err.code.startsWith('ERR_SSL') || err.code === 'EPROTO') {
        return { detail: `${host}:${port}: TLS handshake failed (${err.code})`, fix: certFix };
      }
      return { detail: `${host}:${port}: ${err.message} (${err.code})`, fix: firewall };
  }
}

function describeTls(err: HttpsGetError, host: string, certFix: string): { detail: string; fix: string } {
  const tls = err.tls;
  const code = tls?.error ?? 'unknown';
  const names = tls?.names.length ? tls.names.join(', ') : 'no DNS names';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return { detail: `certificate is for ${names}, not ${host}`, fix: certFix };
  }
  if (code === 'CERT_HAS_EXPIRED') {
    return { detail: `certificate expired${tls?.validTo ? ` on ${tls.validTo}` : ''}`, fix: certFix };
  }
  if (code === 'CERT_NOT_YET_VALID') {
    return { detail: 'certificate is not valid yet (check the clock here and on the server)', fix: certFix };
  }
  if (UNTRUSTED.has(code)) {
    const issuer = tls?.issuer ? ` issued by "${tls.issuer}"` : '';
    const traefik = /traefik/i.test(tls?.issuer ?? '')
      ? " (Traefik's placeholder: no real certificate yet)"
      : '';
    return {
      detail: `certificate${issuer} is not trusted (${code})${traefik}`,
      fix: `${certFix}; for a private CA, pass its certificate with --ca-file`,
    };
  }
  return { detail: `certificate refused (${code})`, fix: certFix };
}
