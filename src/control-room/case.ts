import { join } from 'node:path';
import { readIfExists, writeFileAtomic } from '../adapters/files.js';
import { journal } from '../case/journal.js';
import type { CasePaths } from '../case/paths.js';
import type { Config } from '../config/schema.js';
import { fallbackServers, serverByDomain } from '../config/servers.js';
import { localpartProblem } from '../config/validators.js';
import { InterruptedError, UserError } from '../errors.js';
import { MatrixClient } from '../matrix/client.js';
import { Redactor } from '../secrets/redact.js';
import { type AcrossResult, ensureAcrossServers } from './across.js';
import { readPassword } from './credentials.js';
import { type ControlRoomResult, ensureControlRoom } from './ensure.js';

/**
 * The control room for a case folder: pick the admin, read their password from the case,
 * ensure the room, record its ID in <case>/control-room.json and the journal.
 * This is what the `control-room` command and the post-deploy hook call.
 */

export const CONTROL_ROOM_FILE = 'control-room.json';

export interface ControlRoomCaseOptions {
  /** Default https://matrix.<domain>. Plain http is allowed only to loopback (tests). */
  homeserverUrl?: string;
  /** Fallback servers' homeserver URLs by domain (default https://matrix.<domain>). */
  homeserverUrls?: Record<string, string>;
  /** Where homeserverUrl came from, for errors (e.g. "MATRIX_OOB_CONTROL_ROOM_URL"). */
  homeserverUrlFrom?: string;
  /** Admin localpart to log in as; default the first user with admin: true. */
  admin?: string;
  /** Read the password from this file instead of credentials/<admin>.txt. */
  passwordFile?: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  log?: (line: string) => void;
  warn?: (line: string) => void;
  /** Abort (e.g. on Ctrl-C): stops after the current call, logs out, throws InterruptedError. */
  signal?: AbortSignal;
}

export interface ControlRoomRecord {
  room_id: string;
  alias: string;
  /** With fallback servers: the alias on each of them (docs/fallback.md). */
  fallback_aliases?: string[];
  homeserver: string;
  created_by: string;
  created_at: string;
  updated_at: string;
}

export function controlRoomFile(paths: Pick<CasePaths, 'root'>): string {
  return join(paths.root, CONTROL_ROOM_FILE);
}

export function pickAdmin(config: Pick<Config, 'users' | 'domain'>, requested?: string): string {
  if (requested !== undefined) {
    const problem = localpartProblem(requested, config.domain);
    if (problem)
      throw new UserError(`--admin ${problem}`, {
        hint: 'give the localpart of an admin user, e.g. --admin alice',
      });
    return requested;
  }
  const admin = config.users.find((u) => u.admin);
  if (!admin) {
    throw new UserError('no admin user in the config to create the #control room with', {
      hint: 'set admin: true on one entry of users in matrix-oob.yml (then "matrix-oob user add"), or pass --admin NAME',
    });
  }
  return admin.name;
}

/**
 * The homeserver to send the admin's password to: https://matrix.<domain>, or an override that
 * still names this case's server (matrix.<domain>, server.address) or this machine (a tunnel,
 * tests). An override from the environment is easy to forget from another case, and would
 * send this case's admin password to that case's server: it is held to the same rule, and the
 * error says where it came from.
 */
export function homeserverUrl(
  domain: string,
  override?: string,
  options: { address?: string; from?: string } = {},
): string {
  if (override === undefined) return `https://matrix.${domain}`;
  const from = options.from ?? '--homeserver-url';
  let url: URL;
  try {
    url = new URL(override);
  } catch {
    throw new UserError(`${from} ${JSON.stringify(override)} is not a URL`, {
      hint: `give the homeserver's base URL, e.g. https://matrix.${domain}`,
    });
  }
  const loopback = /^(127\.\d+\.\d+\.\d+|\[::1\]|localhost)$/.test(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new UserError(`${from} ${override} is not https: the password would travel in clear`, {
      hint: `use https://, e.g. https://matrix.${domain} (plain http only to 127.0.0.1 or localhost)`,
    });
  }
  if (url.pathname !== '/' || url.search || url.hash) {
    throw new UserError(`${from} ${override} must be a base URL without a path`, {
      hint: `write just the scheme and host, e.g. https://matrix.${domain}`,
    });
  }
  const own = [new URL(`https://matrix.${domain}`).hostname];
  if (options.address) {
    try {
      own.push(
        new URL(`https://${options.address.includes(':') ? `[${options.address}]` : options.address}`)
          .hostname,
      );
    } catch {
      // not a host name: nothing to add
    }
  }
  if (!loopback && !own.includes(url.hostname)) {
    throw new UserError(
      `${from} ${override} is not this case's server (${own.join(' or ')}): the password would go to another server`,
      {
        hint: `${from.startsWith('MATRIX_OOB') ? `unset ${from.split(' ')[0]} (it may be left from another case) or ` : ''}give this case's homeserver, e.g. https://matrix.${domain}`,
      },
    );
  }
  return url.origin;
}

export async function setUpControlRoom(
  loaded: { config: Config; paths: CasePaths },
  options: ControlRoomCaseOptions = {},
): Promise<ControlRoomResult & { fallback?: AcrossResult }> {
  const { config, paths } = loaded;
  const baseUrl = homeserverUrl(config.domain, options.homeserverUrl, {
    address: config.server.address,
    ...(options.homeserverUrlFrom ? { from: options.homeserverUrlFrom } : {}),
  });
  const admin = pickAdmin(config, options.admin);
  const password = await readPassword(paths, admin, options.passwordFile);
  const redactor = new Redactor([password]);
  const clientOptions = {
    redactor,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.sleep ? { sleep: options.sleep } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
  const client = new MatrixClient({ baseUrl, ...clientOptions });
  const started = performance.now();
  const fallbackDomains = fallbackServers(config).map((s) => s.domain);
  try {
    const main = await ensureControlRoom(config, {
      client,
      admin,
      password,
      ...(fallbackDomains.length > 0 ? { fallbackDomains } : {}),
      ...(options.log ? { log: options.log } : {}),
      ...(options.warn ? { warn: options.warn } : {}),
    });
    const result: ControlRoomResult & { fallback?: AcrossResult } = main;
    if (fallbackDomains.length > 0) {
      result.fallback = await ensureAcrossServers({
        servers: { main: config.domain, fallbacks: fallbackDomains },
        users: config.users.some((u) => u.name === admin)
          ? config.users
          : [...config.users, { name: admin, admin: true }],
        admin,
        roomId: main.room_id,
        clientFor: (domain) => {
          const address = serverByDomain(config, domain)?.server.address;
          return new MatrixClient({
            baseUrl:
              domain === config.domain
                ? baseUrl
                : // The same target rule as the main server: matrix.<domain>, its address, or loopback.
                  homeserverUrl(domain, options.homeserverUrls?.[domain], {
                    from: `--server-url ${domain}=`,
                    ...(address ? { address } : {}),
                  }),
            ...clientOptions,
          });
        },
        passwordOf: async (name) => {
          if (name === admin) return password;
          try {
            const p = await readPassword(paths, name);
            redactor.add(p);
            return p;
          } catch (err) {
            if (err instanceof UserError) return undefined;
            throw err;
          }
        },
        ...(options.log ? { log: options.log } : {}),
        ...(options.warn ? { warn: options.warn } : {}),
      });
    }
    await writeRecord(paths, result);
    await journal(
      paths.journal,
      {
        command: 'control-room',
        result: result.failed.length === 0 && fallbackProblems(result).length === 0 ? 'ok' : 'failed',
        duration_ms: Math.round(performance.now() - started),
        room_id: result.room_id,
        alias: result.alias,
        created: result.created,
        invited: result.invited,
        failed_invites: result.failed.map((f) => f.user_id),
        ...(result.fallback
          ? {
              fallback_aliases: result.fallback.aliases.map((a) => `${a.alias} ${a.status}`),
              joined: result.fallback.joined,
              failed_joins: result.fallback.join_failed.map((f) => f.user_id),
            }
          : {}),
        logged_out: result.logged_out,
      },
      redactor,
    );
    return result;
  } catch (err) {
    await journal(
      paths.journal,
      {
        command: 'control-room',
        result: err instanceof InterruptedError ? 'interrupted' : 'failed',
        duration_ms: Math.round(performance.now() - started),
        error: err instanceof Error ? err.message : String(err),
      },
      redactor,
    );
    throw err;
  }
}

async function writeRecord(
  paths: CasePaths,
  result: ControlRoomResult & { fallback?: AcrossResult },
): Promise<void> {
  const file = controlRoomFile(paths);
  const now = new Date().toISOString();
  const previous = await readControlRoomRecord(paths);
  const record: ControlRoomRecord = {
    room_id: result.room_id,
    alias: result.alias,
    homeserver: result.homeserver,
    created_by: result.admin,
    created_at: previous?.room_id === result.room_id ? previous.created_at : now,
    updated_at: now,
    ...(result.fallback
      ? {
          fallback_aliases: result.fallback.aliases.filter((a) => a.status !== 'failed').map((a) => a.alias),
        }
      : {}),
  };
  if (previous?.room_id === result.room_id && previous.created_by) record.created_by = previous.created_by;
  await writeFileAtomic(file, `${JSON.stringify(record, null, 2)}\n`);
}

/** The recorded control room of a case, or undefined (missing or unreadable file). */
export async function readControlRoomRecord(
  paths: Pick<CasePaths, 'root'>,
): Promise<ControlRoomRecord | undefined> {
  const text = await readIfExists(controlRoomFile(paths));
  if (text === undefined) return undefined;
  try {
    const parsed = JSON.parse(text) as Partial<ControlRoomRecord>;
    return typeof parsed.room_id === 'string' ? (parsed as ControlRoomRecord) : undefined;
  } catch {
    return undefined;
  }
}

/** What went wrong on the fallback servers, one line each (empty when all is well). */
export function fallbackProblems(result: { fallback?: AcrossResult }): string[] {
  if (!result.fallback) return [];
  return [
    ...result.fallback.aliases
      .filter((a) => a.status === 'failed')
      .map((a) => `${a.alias}: ${a.reason ?? 'not created'}`),
    ...result.fallback.join_failed.map((f) => `${f.user_id} did not join: ${f.reason}`),
  ];
}
