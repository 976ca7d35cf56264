import type { Config } from '../config/schema.js';
import { callCheckSpecs } from './call-checks.js';
import { coreCheckSpecs } from './core-checks.js';
import { type HttpsGet, HttpsGetError, type HttpsGetOptions, type HttpsResponse, httpsGet } from './https.js';
import { describeNetworkFailure } from './network-failure.js';
import { CheckFailure, type CheckResult, type CheckSpec, type VerifyReport } from './spec.js';

export { expectedEndpoints } from './core-checks.js';
export { describeNetworkFailure } from './network-failure.js';
export type { CheckId, CheckResult, CheckStatus, VerifyReport } from './spec.js';

/**
 * Post-deploy verification, from the operator's machine: the well-known files on the base
 * domain, the client-server API behind the reverse proxy, the federation port with its
 * certificate, and (with Element on) Element's config. Every check runs in parallel and
 * reports what it found and, when it failed, the one thing to do about it.
 */

export type VerifyConfig = Pick<Config, 'domain' | 'serve_base_domain' | 'element'> &
  Partial<Pick<Config, 'audio_video' | 'homeserver'>>;

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
  const specs = [...coreCheckSpecs(config), ...callCheckSpecs(config)];
  const once = getOnce(get);
  const checks = await Promise.all(specs.map((spec) => runCheck(spec, once, getOptions)));
  const failed = checks.filter((c) => c.status === 'fail').length;
  return { domain: config.domain, ok: failed === 0, failed, checks };
}

/**
 * Two checks may read the same URL (the client well-known: its base_url and its call focus): one
 * GET serves both. A POST is never shared.
 */
function getOnce(get: HttpsGet): HttpsGet {
  const answers = new Map<string, Promise<HttpsResponse>>();
  return (url, options) => {
    if (options.post) return get(url, options);
    let answer = answers.get(url);
    if (!answer) {
      answer = get(url, options);
      answers.set(url, answer);
    }
    return answer;
  };
}

async function runCheck(spec: CheckSpec, get: HttpsGet, options: HttpsGetOptions): Promise<CheckResult> {
  const started = performance.now();
  const base = { id: spec.id, title: spec.title, url: spec.url };
  const took = () => Math.round(performance.now() - started);
  try {
    const res = await get(spec.url, spec.post ? { ...options, post: spec.post } : options);
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
