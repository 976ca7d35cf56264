import { readIfExists, writeFileAtomic } from '../adapters/files.js';
import { FailureError, UserError } from '../errors.js';
import { networkFailure } from '../matrix/transport.js';
import { Redactor } from '../secrets/redact.js';
import { untrusted } from '../watch/sanitize.js';

/** record/recorder/session.json (0600): the recorder's login of its current run. */
export interface RecorderSession {
  homeserver: string;
  user_id: string;
  device_id: string;
  access_token: string;
}

/** record/recorder/secrets.json (0600): what a restart needs (cross-signing keys, backup key). */
export interface RecorderSecrets {
  user_id: string;
  /** Encrypts the crypto store snapshot (base64, 32 bytes). */
  storage_key: string;
  secrets_bundle?: unknown;
  backup_version?: string;
}

interface LoginResponse {
  user_id: string;
  device_id: string;
  access_token: string;
}

const CALL_TIMEOUT_MS = 30_000;

/**
 * Where the homeserver URL came from, for hints: --homeserver-url unless the command says
 * otherwise (`from`, e.g. "MATRIX_OOB_RECORD_URL (from the environment)").
 */
function urlSource(from: string | undefined): string {
  return from ?? '--homeserver-url';
}

/** The one line for a request that got no answer: why (refused, no DNS, timeout...), never a secret. */
function unreachable(
  baseUrl: string,
  err: unknown,
  from: string | undefined,
  password?: string,
): FailureError {
  const { text } = networkFailure(err, CALL_TIMEOUT_MS);
  return new FailureError(
    `cannot reach the homeserver at ${baseUrl}: ${password ? serverText(text, password) : untrusted(text, 300)}`,
    { hint: `check that the server is up ("matrix-oob verify") and the URL given by ${urlSource(from)}.` },
  );
}

async function call(
  baseUrl: string,
  path: string,
  init: { method: string; token?: string; body?: unknown },
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${baseUrl.replace(/\/$/, '')}${path}`, {
    method: init.method,
    headers: {
      'content-type': 'application/json',
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    // A redirect would re-send the password (or the token) wherever it points.
    redirect: 'error',
    signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
  });
  const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  return { status: res.status, json };
}

function serverText(value: unknown, password: string): string {
  return untrusted(new Redactor([password]).redact(String(value)), 300);
}

/**
 * Log in as the recorder with a new device (its crypto store lives in memory: one device per run).
 * `from` names where baseUrl came from, for the hints.
 */
export async function login(
  baseUrl: string,
  user: string,
  password: string,
  from?: string,
): Promise<LoginResponse> {
  let r: { status: number; json: Record<string, unknown> };
  try {
    r = await call(baseUrl, '/_matrix/client/v3/login', {
      method: 'POST',
      body: {
        type: 'm.login.password',
        identifier: { type: 'm.id.user', user },
        password,
        initial_device_display_name: 'matrix-oob recorder',
      },
    });
  } catch (err) {
    throw unreachable(baseUrl, err, from, password);
  }
  if (r.status !== 200) {
    throw new FailureError(
      // The server's words are hostile input and may echo what was sent: sanitised, password masked.
      `the homeserver refused the recorder's login: ${serverText(r.json.errcode ?? r.status, password)} ${serverText(r.json.error ?? '', password)}`.trim(),
      {
        hint: 'register the recorder with "matrix-oob user add --all" (its password is in credentials/<recorder>.txt).',
      },
    );
  }
  const { user_id, device_id, access_token } = r.json;
  if (typeof user_id !== 'string' || typeof device_id !== 'string' || typeof access_token !== 'string') {
    throw new FailureError(
      `the answer of ${baseUrl} to the recorder's login is not a Matrix login (no user_id, device_id and access_token)`,
      {
        hint: `check that the URL given by ${urlSource(from)} is the homeserver itself, not a proxy or web page in front of it.`,
      },
    );
  }
  return { user_id, device_id, access_token };
}

/** The session's user and device if its token still works; undefined otherwise. */
export async function whoami(
  baseUrl: string,
  token: string,
  from?: string,
): Promise<{ user_id: string; device_id?: string } | undefined> {
  try {
    const r = await call(baseUrl, '/_matrix/client/v3/account/whoami', { method: 'GET', token });
    return r.status === 200 ? (r.json as { user_id: string; device_id?: string }) : undefined;
  } catch (err) {
    throw unreachable(baseUrl, err, from);
  }
}

/** Log out an earlier run's device (best effort: the server may be gone or the token dead). */
export async function logoutQuietly(baseUrl: string, token: string): Promise<boolean> {
  try {
    return (
      (await call(baseUrl, '/_matrix/client/v3/logout', { method: 'POST', token, body: {} })).status === 200
    );
  } catch {
    return false;
  }
}

/** A JSON object file of the recorder; undefined when missing, one line naming it when damaged. */
export async function readJson<T>(path: string, hint: string): Promise<T | undefined> {
  const text = await readIfExists(path);
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new UserError(`${path} is damaged (not a JSON object)`, { hint });
  return value as T;
}

export async function writeSecretJson(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}
