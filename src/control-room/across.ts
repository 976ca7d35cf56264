import { MatrixApiError, type MatrixClient, MatrixUnreachableError } from '../matrix/client.js';
import { controlAlias, DEVICE_NAME, userId } from './ensure.js';

/**
 * #control across servers (docs/fallback.md). The room is created on the main server by
 * ensureControlRoom (which also invites every account on every server and gives each server's
 * admins power level 100). This part, run after it:
 *  1. on each fallback server, its admin joins the room (through the main server) and adds the
 *     alias #control:<fallback domain> (Synapse lets only a member add one);
 *  2. every other account on every server joins (logging in as it, then out again);
 *  3. on the main server, the admins of every server are made 100 in a reused room, and
 *     m.room.canonical_alias lists every server's alias in alt_aliases.
 * So when one server is gone, the room, its members on the other servers, an alias and an
 * operator who can administer it remain.
 */

export interface AcrossServers {
  main: string;
  fallbacks: readonly string[];
}

export interface AcrossOptions {
  servers: AcrossServers;
  /** Localparts of the people (every one has an account on every server). */
  users: readonly { name: string; admin: boolean }[];
  /** The admin localpart that created the room on the main server. */
  admin: string;
  roomId: string;
  /** A fresh client for the homeserver of `domain`, not logged in. */
  clientFor: (domain: string) => MatrixClient;
  /** The password of `localpart` (the same on every server: one credentials file per person). */
  passwordOf: (localpart: string) => Promise<string | undefined>;
  log?: (line: string) => void;
  warn?: (line: string) => void;
}

export interface AcrossResult {
  /** #control:<domain> per fallback server: created now, already there, or why not. */
  aliases: { alias: string; status: 'created' | 'existing' | 'failed'; reason?: string }[];
  joined: string[];
  already_joined: string[];
  join_failed: { user_id: string; reason: string }[];
  /** Users at power level 100, after this run. */
  operators: string[];
  /** The room's m.room.canonical_alias after this run (undefined when it could not be set). */
  canonical_alias?: { alias: string; alt_aliases: string[] };
}

export async function ensureAcrossServers(o: AcrossOptions): Promise<AcrossResult> {
  const log = o.log ?? (() => {});
  const warn = o.warn ?? (() => {});
  const result: AcrossResult = {
    aliases: [],
    joined: [],
    already_joined: [],
    join_failed: [],
    operators: [],
  };
  const via = [o.servers.main, ...o.servers.fallbacks];
  // Each person's password is read once, not once per server.
  const passwords = new Map<string, Promise<string | undefined>>();
  const passwordOf = (name: string): Promise<string | undefined> => {
    if (!passwords.has(name)) passwords.set(name, o.passwordOf(name));
    return passwords.get(name)!;
  };
  const adminPassword = await passwordOf(o.admin);

  // 1. The admin of each fallback server joins and adds that server's alias.
  for (const domain of o.servers.fallbacks) {
    const alias = controlAlias(domain);
    const id = userId(o.admin, domain);
    if (!adminPassword) {
      result.aliases.push({ alias, status: 'failed', reason: `no password for ${o.admin}` });
      continue;
    }
    try {
      await asUser(o.clientFor(domain), o.admin, adminPassword, async (client) => {
        await joinOnce(client, id, o.roomId, via, result);
        const current = await client.resolveAlias(alias);
        if (current === o.roomId) {
          result.aliases.push({ alias, status: 'existing' });
        } else if (current !== undefined) {
          result.aliases.push({
            alias,
            status: 'failed',
            reason: `already points at another room (${current})`,
          });
          warn(`${alias} points at another room (${current}); remove it on ${domain}, then run again`);
        } else {
          await client.setAlias(alias, o.roomId);
          result.aliases.push({ alias, status: 'created' });
          log(`added ${alias} on ${domain}`);
        }
      });
    } catch (err) {
      const reason = describe(err);
      result.aliases.push({ alias, status: 'failed', reason });
      if (!result.join_failed.some((f) => f.user_id === id)) result.join_failed.push({ user_id: id, reason });
      warn(`${domain}: ${reason}`);
    }
  }

  // 2. Every other account on every server joins.
  for (const domain of via) {
    for (const u of o.users) {
      if (u.name === o.admin) continue;
      const id = userId(u.name, domain);
      const password = await passwordOf(u.name);
      if (!password) {
        result.join_failed.push({
          user_id: id,
          reason: `no credentials file for ${u.name} ("matrix-oob user add ${u.name}")`,
        });
        continue;
      }
      try {
        await asUser(o.clientFor(domain), u.name, password, (client) =>
          joinOnce(client, id, o.roomId, via, result),
        );
      } catch (err) {
        result.join_failed.push({ user_id: id, reason: describe(err) });
      }
    }
  }

  // 3. Operators on every server and every alias in the canonical alias event, from the main server.
  if (adminPassword) {
    try {
      await asUser(o.clientFor(o.servers.main), o.admin, adminPassword, async (client) => {
        const admins = new Set([o.admin, ...o.users.filter((u) => u.admin).map((u) => u.name)]);
        const wanted = via.flatMap((d) => [...admins].map((a) => userId(a, d)));
        const levels = (await client.stateEvent(o.roomId, 'm.room.power_levels')) ?? {};
        const users = { ...((levels.users ?? {}) as Record<string, number>) };
        const missing = wanted.filter((w) => (users[w] ?? 0) < 100);
        if (missing.length > 0) {
          for (const m of missing) users[m] = 100;
          await client.sendState(o.roomId, 'm.room.power_levels', { ...levels, users });
          log(`power level 100 for ${missing.join(', ')}`);
        }
        result.operators = Object.entries(users)
          .filter(([, level]) => level >= 100)
          .map(([id]) => id);
        const existing = (await client.stateEvent(o.roomId, 'm.room.canonical_alias')) ?? {};
        const mainAlias = typeof existing.alias === 'string' ? existing.alias : controlAlias(o.servers.main);
        const ours = result.aliases.filter((a) => a.status !== 'failed').map((a) => a.alias);
        const before = Array.isArray(existing.alt_aliases) ? (existing.alt_aliases as string[]) : [];
        // Aliases of servers no longer in the case (removed with teardown --only) are dropped.
        const inCase = (a: string) => via.some((d) => a.endsWith(`:${d}`));
        const alt = [...new Set([...before.filter(inCase), ...ours])].filter((a) => a !== mainAlias);
        if (existing.alias !== mainAlias || alt.join(',') !== before.join(',')) {
          await client.sendState(o.roomId, 'm.room.canonical_alias', {
            ...existing,
            alias: mainAlias,
            alt_aliases: alt,
          });
          log(`canonical alias ${mainAlias}, also ${alt.join(', ') || '(none)'}`);
        }
        result.canonical_alias = { alias: mainAlias, alt_aliases: alt };
      });
    } catch (err) {
      warn(`could not set the operators and aliases on ${o.servers.main}: ${describe(err)}`);
    }
  }
  return result;
}

async function joinOnce(
  client: MatrixClient,
  id: string,
  roomId: string,
  via: readonly string[],
  result: AcrossResult,
): Promise<void> {
  if (result.joined.includes(id) || result.already_joined.includes(id)) return;
  try {
    const members = await client.members(roomId);
    if (members.get(id) === 'join') {
      result.already_joined.push(id);
      return;
    }
  } catch (err) {
    // Not in the room yet (403): join below.
    if (!(err instanceof MatrixApiError && err.status === 403)) throw err;
  }
  await client.join(roomId, via);
  result.joined.push(id);
}

/** Log in, run, always log out (the session must not outlive the run). */
async function asUser<T>(
  client: MatrixClient,
  localpart: string,
  password: string,
  fn: (client: MatrixClient) => Promise<T>,
): Promise<T> {
  await client.login(localpart, password, DEVICE_NAME);
  try {
    return await fn(client);
  } finally {
    await client.logout().catch(() => {});
  }
}

function describe(err: unknown): string {
  if (err instanceof MatrixUnreachableError) return `cannot reach ${err.baseUrl}: ${err.message}`;
  if (err instanceof MatrixApiError) {
    return `${err.call}: ${err.errcode}${err.serverMessage ? ` (${err.serverMessage})` : ''}`;
  }
  return err instanceof Error ? err.message : String(err);
}
