import { systemClock } from '../adapters/clock.js';
import { InterruptedError } from '../errors.js';
import { Redactor } from '../secrets/redact.js';
import { VERSION } from '../version.js';

/**
 * The HTTP side of the Matrix client: one request with a deadline, Ctrl-C, rate-limit retries,
 * JSON decoding and errors whose every server-supplied text is redacted. MatrixClient
 * (client.ts) adds the calls; nothing here knows a room or an account.
 */

export interface MatrixClientOptions {
  /** e.g. https://matrix.example.com (no trailing /_matrix). */
  baseUrl: string;
  fetch?: typeof fetch;
  /** Deadline per request. Default 15 s. */
  timeoutMs?: number;
  redactor?: Redactor;
  /** How to wait when rate-limited (tests pass a fast one); aborting `signal` ends the wait. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Retries after HTTP 429 M_LIMIT_EXCEEDED. Default 3. */
  rateLimitRetries?: number;
  /** Aborting it (Ctrl-C) fails the current call with InterruptedError; logout still runs. */
  signal?: AbortSignal;
}

/** The homeserver answered with an error (errcode and error text already redacted). */
export class MatrixApiError extends Error {
  readonly status: number;
  readonly errcode: string;
  /** The server's `error` text, redacted. */
  readonly serverMessage: string;
  /** e.g. "POST /login". */
  readonly call: string;
  /** The answer's JSON (e.g. a user-interactive auth 401: flows, session). */
  body: Record<string, unknown> | undefined;
  constructor(call: string, status: number, errcode: string, serverMessage: string) {
    super(`${call}: HTTP ${status} ${errcode}${serverMessage ? `: ${serverMessage}` : ''}`);
    this.name = 'MatrixApiError';
    this.call = call;
    this.status = status;
    this.errcode = errcode;
    this.serverMessage = serverMessage;
  }
}

/** No HTTP answer at all: refused, unresolvable, timed out. */
export class MatrixUnreachableError extends Error {
  readonly code: string;
  readonly baseUrl: string;
  constructor(baseUrl: string, code: string, message: string) {
    super(message);
    this.name = 'MatrixUnreachableError';
    this.baseUrl = baseUrl;
    this.code = code;
  }
}

const PREFIX = '/_matrix/client/v3';
const MAX_RATE_LIMIT_WAIT_MS = 30_000;

export class MatrixTransport {
  readonly baseUrl: string;
  readonly redactor: Redactor;
  private readonly fetchFn: typeof fetch;
  private readonly timeoutMs: number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly retries: number;
  private readonly signal: AbortSignal | undefined;
  protected accessToken: string | undefined;

  constructor(options: MatrixClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetchFn = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.redactor = options.redactor ?? new Redactor();
    this.sleep = options.sleep ?? systemClock.sleep;
    this.retries = options.rateLimitRetries ?? 3;
    this.signal = options.signal;
  }

  get loggedIn(): boolean {
    return this.accessToken !== undefined;
  }

  protected async call<T>(
    method: string,
    path: string,
    body?: unknown,
    auth = true,
    interruptible = true,
  ): Promise<T> {
    const name = `${method} ${path.replace(/\/(!|%21|%23|@|%40)[^/]*/g, '/…')}`;
    if (auth && !this.accessToken) throw new Error(`${name} needs a login first`);
    for (let attempt = 0; ; attempt++) {
      if (interruptible && this.signal?.aborted) throw new InterruptedError();
      const res = await this.send(method, path, body, auth, interruptible);
      const text = await res.text();
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : {};
      } catch {
        throw new MatrixApiError(
          name,
          res.status,
          'M_NOT_JSON',
          `answer is not JSON (${this.redactor.redact(text.replace(/\s+/g, ' ').slice(0, 60))})`,
        );
      }
      if (res.ok) return (json ?? {}) as T;
      const obj = (json ?? {}) as { errcode?: unknown; error?: unknown; retry_after_ms?: unknown };
      const errcode = typeof obj.errcode === 'string' ? obj.errcode : 'M_UNKNOWN';
      if (res.status === 429 && attempt < this.retries) {
        const header = Number(res.headers.get('retry-after'));
        const wait =
          typeof obj.retry_after_ms === 'number'
            ? obj.retry_after_ms
            : Number.isFinite(header) && header > 0
              ? header * 1000
              : 1000 * 2 ** attempt;
        // Ctrl-C ends the wait at once (the loop's first line then throws InterruptedError).
        const signal = interruptible ? this.signal : undefined;
        await this.sleep(Math.min(Math.max(wait, 0), MAX_RATE_LIMIT_WAIT_MS), signal).catch(
          (err: unknown) => {
            if (!signal?.aborted) throw err;
          },
        );
        continue;
      }
      const message = typeof obj.error === 'string' ? this.redactor.redact(obj.error).slice(0, 300) : '';
      const error = new MatrixApiError(name, res.status, this.redactor.redact(errcode), message);
      if (res.status === 401) error.body = obj as Record<string, unknown>;
      throw error;
    }
  }

  private async send(
    method: string,
    path: string,
    body: unknown,
    auth: boolean,
    interruptible: boolean,
  ): Promise<Response> {
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': `matrix-oob/${VERSION}`,
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (auth && this.accessToken) headers.authorization = `Bearer ${this.accessToken}`;
    try {
      // Paths under /_synapse/ (Synapse's admin API) are not under the client API prefix.
      const url = path.startsWith('/_synapse/')
        ? `${this.baseUrl}${path}`
        : `${this.baseUrl}${PREFIX}${path}`;
      return await this.fetchFn(url, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        redirect: 'error',
        signal:
          interruptible && this.signal
            ? AbortSignal.any([AbortSignal.timeout(this.timeoutMs), this.signal])
            : AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      if (interruptible && this.signal?.aborted) throw new InterruptedError();
      throw this.unreachable(err);
    }
  }

  private unreachable(err: unknown): MatrixUnreachableError {
    const { code, text } = networkFailure(err, this.timeoutMs);
    return new MatrixUnreachableError(this.baseUrl, code, this.redactor.redact(text));
  }
}

/** Why a fetch() to a homeserver got no answer: a code and a few words (not redacted). */
export function networkFailure(err: unknown, timeoutMs: number): { code: string; text: string } {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') {
    return { code: 'TIMEOUT', text: `no answer within ${Number((timeoutMs / 1000).toFixed(1))} s` };
  }
  const code = e?.cause?.code ?? 'ERROR';
  const why: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ENOTFOUND: 'host name does not resolve',
    EAI_AGAIN: 'host name does not resolve (DNS failure)',
    ECONNRESET: 'connection reset',
    EHOSTUNREACH: 'no route to host',
    ENETUNREACH: 'network unreachable',
    UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  };
  const text =
    why[code] ??
    (code.includes('CERT') ? `certificate refused (${code})` : (e?.cause?.message ?? e?.message ?? code));
  return { code, text };
}
