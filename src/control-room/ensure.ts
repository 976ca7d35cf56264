import { caseAccounts } from '../config/accounts.js';
import type { Config } from '../config/schema.js';
import { FailureError, UserError } from '../errors.js';
import {
  type CreateRoomRequest,
  MatrixApiError,
  type MatrixClient,
  MatrixUnreachableError,
  type Membership,
} from '../matrix/client.js';

/**
 * The #control room: the team's private, end-to-end encrypted coordination room, with the
 * alias #control:<domain>. `ensureControlRoom` makes it exist and invites every configured
 * user; run again, it reuses the room and only invites who is missing.
 */

export const CONTROL_ALIAS_LOCALPART = 'control';
export const MEGOLM = 'm.megolm.v1.aes-sha2';
export const DEVICE_NAME = 'matrix-oob control-room';

export type ControlRoomConfig = Pick<Config, 'domain' | 'users'> & Partial<Pick<Config, 'recorder'>>;

export interface ControlRoomResult {
  room_id: string;
  alias: string;
  /** The user who logged in to do it. */
  admin: string;
  homeserver: string;
  /** True when this run created the room; false when the alias already existed. */
  created: boolean;
  /** True when a reused room was not encrypted and this run turned encryption on. */
  encryption_enabled: boolean;
  /** Invited by this run. */
  invited: string[];
  /** Already joined or invited before this run. */
  already_members: string[];
  /** Could not be invited (e.g. banned, or no such user yet), with the server's reason. */
  failed: { user_id: string; reason: string }[];
  /** The access token was invalidated at the end. */
  logged_out: boolean;
}

export interface EnsureControlRoomOptions {
  /** A client for the homeserver, not logged in yet. */
  client: MatrixClient;
  /** Localpart of the admin to log in as. */
  admin: string;
  password: string;
  name?: string;
  topic?: string;
  /** Progress lines (already free of secrets). */
  log?: (line: string) => void;
  warn?: (line: string) => void;
  /** Fallback servers' domains (docs/fallback.md): their accounts are invited too, their admins get 100. */
  fallbackDomains?: readonly string[];
}

export function userId(localpart: string, domain: string): string {
  return `@${localpart}:${domain}`;
}

export function controlAlias(domain: string): string {
  return `#${CONTROL_ALIAS_LOCALPART}:${domain}`;
}

/** The createRoom body: private, invite-only, encrypted from the first event, guests kept out. */
export function controlRoomRequest(
  config: ControlRoomConfig,
  admin: string,
  name?: string,
  topic?: string,
  fallbackDomains: readonly string[] = [],
) {
  const admins = new Set([admin, ...config.users.filter((u) => u.admin).map((u) => u.name)]);
  const domains = [config.domain, ...fallbackDomains];
  const request: CreateRoomRequest = {
    preset: 'private_chat',
    visibility: 'private',
    room_alias_name: CONTROL_ALIAS_LOCALPART,
    name: name ?? 'Control room',
    topic: topic ?? `Incident coordination for ${config.domain}: invite-only, end-to-end encrypted.`,
    initial_state: [
      { type: 'm.room.encryption', state_key: '', content: { algorithm: MEGOLM } },
      { type: 'm.room.guest_access', state_key: '', content: { guest_access: 'forbidden' } },
    ],
    // Every configured admin can manage the room, so losing one account does not lock the team out;
    // with fallback servers, on each server, so losing one server does not either.
    power_level_content_override: {
      users: Object.fromEntries(domains.flatMap((d) => [...admins].map((a) => [userId(a, d), 100]))),
    },
  };
  return request;
}

export async function ensureControlRoom(
  config: ControlRoomConfig,
  options: EnsureControlRoomOptions,
): Promise<ControlRoomResult> {
  const { client } = options;
  const log = options.log ?? (() => {});
  const warn = options.warn ?? (() => {});
  const alias = controlAlias(config.domain);
  const adminId = userId(options.admin, config.domain);

  try {
    await client.login(options.admin, options.password, DEVICE_NAME);
  } catch (err) {
    throw explain(err, client.baseUrl, adminId, 'login');
  }
  log(`logged in as ${adminId} on ${client.baseUrl}`);

  let result: Omit<ControlRoomResult, 'logged_out'> | undefined;
  let failure: unknown;
  try {
    result = await withRoom(config, options, alias, adminId, log, warn);
  } catch (err) {
    failure = explain(err, client.baseUrl, adminId, 'room');
  }
  let loggedOut = false;
  try {
    await client.logout();
    loggedOut = true;
  } catch {
    warn(
      `could not log out: the session "${DEVICE_NAME}" of ${adminId} stays valid; sign it out in Element (Settings, Sessions)`,
    );
  }
  if (failure !== undefined) throw failure;
  return { ...result!, logged_out: loggedOut };
}

async function withRoom(
  config: ControlRoomConfig,
  options: EnsureControlRoomOptions,
  alias: string,
  adminId: string,
  log: (line: string) => void,
  warn: (line: string) => void,
): Promise<Omit<ControlRoomResult, 'logged_out'>> {
  const { client } = options;
  let roomId = await client.resolveAlias(alias);
  let created = false;
  let encryptionEnabled = false;
  let members = new Map<string, Membership>();

  if (roomId === undefined) {
    try {
      roomId = await client.createRoom(
        controlRoomRequest(config, options.admin, options.name, options.topic, options.fallbackDomains),
      );
      created = true;
      log(`created ${alias} (${roomId}): private, end-to-end encrypted`);
      members.set(adminId, 'join');
    } catch (err) {
      // Someone (another run) created it in between: reuse theirs.
      if (!(err instanceof MatrixApiError && err.errcode === 'M_ROOM_IN_USE')) throw err;
      roomId = await client.resolveAlias(alias);
      if (roomId === undefined) throw err;
    }
  }
  if (!created) {
    log(`reusing ${alias} (${roomId})`);
    try {
      members = await client.members(roomId);
    } catch (err) {
      if (err instanceof MatrixApiError && err.status === 403) {
        throw new FailureError(`${alias} exists (${roomId}) but ${adminId} is not in it`, {
          hint: `ask a member of ${alias} to invite ${adminId}, or remove the alias, then run again`,
        });
      }
      throw err;
    }
    const encryption = await client.stateEvent(roomId, 'm.room.encryption');
    if (encryption?.algorithm !== MEGOLM) {
      await client.sendState(roomId, 'm.room.encryption', { algorithm: MEGOLM });
      encryptionEnabled = true;
      warn(
        `${alias} was not end-to-end encrypted; encryption is now on (messages sent before stay unencrypted)`,
      );
    }
  }

  const invited: string[] = [];
  const already: string[] = [];
  const failed: { user_id: string; reason: string }[] = [];
  // Every user's account on every server of the case; the recorder records from the main
  // server only, so it is invited there once (it joins when `matrix-oob record` runs).
  const accounts = [config.domain, ...(options.fallbackDomains ?? [])].flatMap((d) =>
    caseAccounts(config)
      .filter((u) => !u.recorder || d === config.domain)
      .map((u) => ({ name: u.name, id: userId(u.name, d) })),
  );
  for (const u of accounts) {
    const id = u.id;
    if (id === adminId) continue;
    const membership = members.get(id);
    if (membership === 'join' || membership === 'invite') {
      already.push(id);
      continue;
    }
    if (membership === 'ban') {
      failed.push({ user_id: id, reason: 'banned from the room (unban them in Element first)' });
      continue;
    }
    try {
      await client.invite(roomId, id);
      invited.push(id);
      log(`invited ${id}`);
    } catch (err) {
      if (
        err instanceof MatrixApiError &&
        err.status === 403 &&
        /already (in|joined)/i.test(err.serverMessage)
      ) {
        already.push(id);
      } else if (
        err instanceof MatrixApiError &&
        (err.status === 400 || err.status === 403 || err.status === 404)
      ) {
        failed.push({
          user_id: id,
          reason: `${err.errcode}${err.serverMessage ? `: ${err.serverMessage}` : ''}`,
        });
      } else {
        throw err;
      }
    }
  }
  return {
    room_id: roomId,
    alias,
    admin: adminId,
    homeserver: client.baseUrl,
    created,
    encryption_enabled: encryptionEnabled,
    invited,
    already_members: already,
    failed,
  };
}

/** Turn any client error into one line of what failed and one line of how to fix it. */
export function explain(err: unknown, baseUrl: string, adminId: string, phase: 'login' | 'room'): unknown {
  if (err instanceof UserError) return err;
  if (err instanceof MatrixUnreachableError) {
    return new FailureError(`cannot reach the homeserver at ${baseUrl}: ${err.message}`, {
      hint: 'check that the server is deployed and answering ("matrix-oob verify"), or pass --homeserver-url URL',
    });
  }
  if (err instanceof MatrixApiError) {
    if (phase === 'login' && err.status === 403 && err.errcode === 'M_FORBIDDEN') {
      return new FailureError(`the homeserver refused the login of ${adminId}: wrong user name or password`, {
        hint: `check that the credentials file (or --password-file) holds the current password of ${adminId}`,
      });
    }
    if (err.errcode === 'M_USER_DEACTIVATED') {
      return new FailureError(`${adminId} is deactivated on the homeserver`, {
        hint: 'log in as another admin with --admin NAME',
      });
    }
    if (err.errcode === 'M_LIMIT_EXCEEDED') {
      return new FailureError(`the homeserver keeps rate-limiting ${err.call}`, {
        hint: 'wait a minute and run the command again',
      });
    }
    if (err.errcode === 'M_NOT_JSON' || err.status >= 500) {
      return new FailureError(
        `the homeserver at ${baseUrl} failed on ${err.call}: HTTP ${err.status} ${err.serverMessage}`,
        {
          hint: 'check that the homeserver runs ("matrix-oob verify"; on the server "systemctl status matrix-synapse")',
        },
      );
    }
    return new FailureError(
      `the homeserver refused ${err.call}: ${err.errcode}${err.serverMessage ? ` (${err.serverMessage})` : ''}`,
      { hint: `check that ${adminId} may do this, then run the command again` },
    );
  }
  return err;
}
