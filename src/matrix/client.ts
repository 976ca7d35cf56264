import { MatrixApiError, MatrixTransport } from './transport.js';

export { MatrixApiError, type MatrixClientOptions, MatrixUnreachableError } from './transport.js';

/**
 * A small Matrix client-server API client (spec v1.x, /_matrix/client/v3) over fetch: only the
 * calls matrix-oob needs. It is the one network adapter of the control-room feature.
 *
 * Secrets: the password and the access token live only in request bodies and headers. Both are
 * added to the redactor, and every message built from a server answer goes through it, so a
 * server that echoes a secret back cannot leak it into our output.
 */

export type Membership = 'join' | 'invite' | 'leave' | 'ban' | 'knock';

export interface LoginResult {
  userId: string;
  deviceId: string | undefined;
}

export interface CreateRoomRequest {
  preset?: 'private_chat' | 'trusted_private_chat' | 'public_chat';
  visibility?: 'private' | 'public';
  room_alias_name?: string;
  name?: string;
  topic?: string;
  invite?: string[];
  initial_state?: { type: string; state_key: string; content: Record<string, unknown> }[];
  power_level_content_override?: Record<string, unknown>;
}

export class MatrixClient extends MatrixTransport {
  /** POST /login with m.login.password and an m.id.user identifier. */
  async login(user: string, password: string, deviceName = 'matrix-oob'): Promise<LoginResult> {
    this.redactor.add(password);
    const res = await this.call<{ access_token?: unknown; user_id?: unknown; device_id?: unknown }>(
      'POST',
      '/login',
      {
        type: 'm.login.password',
        identifier: { type: 'm.id.user', user },
        password,
        initial_device_display_name: deviceName,
      },
      false,
    );
    if (typeof res.access_token !== 'string' || typeof res.user_id !== 'string') {
      throw new MatrixApiError('POST /login', 200, 'M_BAD_JSON', 'answer has no access_token or user_id');
    }
    this.accessToken = res.access_token;
    this.redactor.add(res.access_token);
    return { userId: res.user_id, deviceId: typeof res.device_id === 'string' ? res.device_id : undefined };
  }

  /** POST /logout: the access token (and its device) stop working. */
  async logout(): Promise<void> {
    if (!this.accessToken) return;
    // Not interruptible: after Ctrl-C the token must still die.
    await this.call('POST', '/logout', {}, true, false);
    this.accessToken = undefined;
  }

  /**
   * POST /account/deactivate (user-interactive auth, m.login.password): the account can never log
   * in again and every access token of it stops working. Needs a login as that user first. The
   * first call gets the UIA session (401), the second answers it with the password. `erase:
   * false` keeps what the account wrote (evidence); the spec's default too.
   */
  async deactivateAccount(user: string, password: string, erase = false): Promise<void> {
    let session: string | undefined;
    try {
      await this.call('POST', '/account/deactivate', { erase });
      this.accessToken = undefined;
      return; // a server that asks for nothing more
    } catch (err) {
      const flows = err instanceof MatrixApiError ? err.body?.flows : undefined;
      if (!(err instanceof MatrixApiError) || err.status !== 401 || !Array.isArray(flows)) throw err;
      const offered = flows.some(
        (f) =>
          Array.isArray((f as { stages?: unknown }).stages) &&
          (f as { stages: unknown[] }).stages.join() === 'm.login.password',
      );
      if (!offered) {
        throw new MatrixApiError(
          'POST /account/deactivate',
          401,
          'M_UNKNOWN',
          'the server offers no password flow to deactivate the account',
        );
      }
      session = typeof err.body?.session === 'string' ? err.body.session : undefined;
    }
    await this.call('POST', '/account/deactivate', {
      auth: {
        type: 'm.login.password',
        identifier: { type: 'm.id.user', user },
        password,
        ...(session ? { session } : {}),
      },
      erase,
    });
    // Deactivation ended every session, ours included.
    this.accessToken = undefined;
  }

  /** GET /directory/room/{alias}: the room ID, or undefined when the alias does not exist. */
  async resolveAlias(alias: string): Promise<string | undefined> {
    try {
      const res = await this.call<{ room_id?: unknown }>(
        'GET',
        `/directory/room/${encodeURIComponent(alias)}`,
      );
      if (typeof res.room_id !== 'string') {
        throw new MatrixApiError('GET /directory/room', 200, 'M_BAD_JSON', 'answer has no room_id');
      }
      return res.room_id;
    } catch (err) {
      if (err instanceof MatrixApiError && err.status === 404 && err.errcode === 'M_NOT_FOUND')
        return undefined;
      throw err;
    }
  }

  /** POST /createRoom: the new room's ID. */
  async createRoom(request: CreateRoomRequest): Promise<string> {
    const res = await this.call<{ room_id?: unknown }>('POST', '/createRoom', request);
    if (typeof res.room_id !== 'string') {
      throw new MatrixApiError('POST /createRoom', 200, 'M_BAD_JSON', 'answer has no room_id');
    }
    return res.room_id;
  }

  /** POST /rooms/{roomId}/invite. */
  async invite(roomId: string, userId: string): Promise<void> {
    await this.call('POST', `/rooms/${encodeURIComponent(roomId)}/invite`, { user_id: userId });
  }

  /** GET /rooms/{roomId}/members: every user's current membership. */
  async members(roomId: string): Promise<Map<string, Membership>> {
    const res = await this.call<{ chunk?: unknown }>('GET', `/rooms/${encodeURIComponent(roomId)}/members`);
    const out = new Map<string, Membership>();
    if (!Array.isArray(res.chunk)) return out;
    for (const ev of res.chunk as {
      type?: unknown;
      state_key?: unknown;
      content?: { membership?: unknown };
    }[]) {
      if (ev?.type === 'm.room.member' && typeof ev.state_key === 'string') {
        const m = ev.content?.membership;
        if (typeof m === 'string') out.set(ev.state_key, m as Membership);
      }
    }
    return out;
  }

  /** GET /rooms/{roomId}/state/{type}/{stateKey}: the content, or undefined when absent. */
  async stateEvent(
    roomId: string,
    type: string,
    stateKey = '',
  ): Promise<Record<string, unknown> | undefined> {
    try {
      return await this.call<Record<string, unknown>>('GET', statePath(roomId, type, stateKey));
    } catch (err) {
      if (err instanceof MatrixApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  /** PUT /rooms/{roomId}/state/{type}/{stateKey}. */
  async sendState(
    roomId: string,
    type: string,
    content: Record<string, unknown>,
    stateKey = '',
  ): Promise<void> {
    await this.call('PUT', statePath(roomId, type, stateKey), content);
  }

  /** POST /join/{roomIdOrAlias}?via=...: join (an invited user accepts). Returns the room ID. */
  async join(roomIdOrAlias: string, via: readonly string[] = []): Promise<string> {
    const query = via.length > 0 ? `?${via.map((v) => `via=${encodeURIComponent(v)}`).join('&')}` : '';
    const res = await this.call<{ room_id?: unknown }>(
      'POST',
      `/join/${encodeURIComponent(roomIdOrAlias)}${query}`,
      {},
    );
    if (typeof res.room_id !== 'string') {
      throw new MatrixApiError('POST /join', 200, 'M_BAD_JSON', 'answer has no room_id');
    }
    return res.room_id;
  }

  /** PUT /directory/room/{alias}: map an alias of this server to a room. */
  async setAlias(alias: string, roomId: string): Promise<void> {
    await this.call('PUT', `/directory/room/${encodeURIComponent(alias)}`, { room_id: roomId });
  }

  /** PUT /rooms/{roomId}/send/m.room.message/{txnId}: a plain-text message; returns its event ID. */
  async sendText(roomId: string, txnId: string, text: string): Promise<string> {
    const res = await this.call<{ event_id?: unknown }>(
      'PUT',
      `/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${encodeURIComponent(txnId)}`,
      { msgtype: 'm.notice', body: text },
    );
    if (typeof res.event_id !== 'string') {
      throw new MatrixApiError('PUT /rooms/…/send', 200, 'M_BAD_JSON', 'answer has no event_id');
    }
    return res.event_id;
  }

  /** GET /rooms/{roomId}/messages?dir=b&limit=N: the latest events, newest first. */
  async recentEvents(
    roomId: string,
    limit = 20,
  ): Promise<{ event_id: string; type: string; sender: string; content: Record<string, unknown> }[]> {
    const res = await this.call<{ chunk?: unknown }>(
      'GET',
      `/rooms/${encodeURIComponent(roomId)}/messages?dir=b&limit=${limit}`,
    );
    return Array.isArray(res.chunk)
      ? (res.chunk as { event_id: string; type: string; sender: string; content: Record<string, unknown> }[])
      : [];
  }
}

function statePath(roomId: string, type: string, stateKey: string): string {
  return `/rooms/${encodeURIComponent(roomId)}/state/${encodeURIComponent(type)}/${encodeURIComponent(stateKey)}`;
}
