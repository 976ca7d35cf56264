import type { HttpsPost, HttpsResponse } from './https.js';

/** The building blocks every verify check shares: its result, its spec, its verdicts. */

export type CheckId =
  | 'well-known-server'
  | 'well-known-client'
  | 'client-api'
  | 'federation'
  | 'element'
  | 'rtc-foci'
  | 'livekit-jwt'
  | 'jitsi-web'
  | 'jitsi-auth';
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

/** A check's verdict on a bad answer: what is wrong, and how to fix it. */
export class CheckFailure extends Error {
  readonly fix: string;
  constructor(detail: string, fix: string) {
    super(detail);
    this.fix = fix;
  }
}

/** Where a host's problems are fixed: on our server (MDAD) or on someone else's web server. */
export type Owner = 'ours' | 'base-elsewhere';

export interface CheckSpec {
  id: CheckId;
  title: string;
  url: string;
  owner: Owner;
  /** Send this body with POST instead of a GET (never followed through redirects). */
  post?: HttpsPost;
  /** Fix when the answer arrives but is wrong. */
  contentFix: string;
  /** Inspect a 200-or-other answer; return the ok detail or throw CheckFailure. */
  inspect(res: HttpsResponse): string;
}

export function header(res: HttpsResponse, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

/** The answer must be HTTP 200 with a JSON object body. */
export function jsonObject(res: HttpsResponse, fix: string): Record<string, unknown> {
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

export function snippet(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > 60 ? `${one.slice(0, 60)}…` : one;
}
