import { MatrixClient } from '../matrix/client.js';

/**
 * The client-server API calls of the state source, all specified (spec v1.19) and reachable
 * through MDAD's public client API with an admin's access token:
 *
 * - GET  /admin/whois/{userId}: every connection (IP, user agent, last seen) of an account.
 *   Synapse lists them all under the device key "" (it does not say which device made them).
 * - POST /keys/query: the account's devices that have end-to-end keys (every Element login),
 *   with their display names.
 * - PUT  /rooms/{roomId}/send/m.room.message/{txnId}: the --notify notice.
 */

export interface Connection {
  ip: string;
  userAgent: string;
  /** ms since the epoch, or undefined when the server did not say. */
  lastSeen: number | undefined;
}

export interface DeviceInfo {
  deviceId: string;
  displayName: string | undefined;
}

export class WatchClient extends MatrixClient {
  /** Every connection the server reports for `userId`, whatever device key it files them under. */
  async whois(userId: string): Promise<Connection[]> {
    const res = await this.call<{ devices?: unknown }>('GET', `/admin/whois/${encodeURIComponent(userId)}`);
    const out: Connection[] = [];
    const devices = res.devices && typeof res.devices === 'object' ? Object.values(res.devices) : [];
    for (const device of devices as { sessions?: unknown }[]) {
      if (!Array.isArray(device?.sessions)) continue;
      for (const session of device.sessions as { connections?: unknown }[]) {
        if (!Array.isArray(session?.connections)) continue;
        for (const c of session.connections as Record<string, unknown>[]) {
          if (typeof c?.ip !== 'string') continue;
          out.push({
            ip: c.ip,
            userAgent: typeof c.user_agent === 'string' ? c.user_agent : '',
            lastSeen: typeof c.last_seen === 'number' ? c.last_seen : undefined,
          });
        }
      }
    }
    return out;
  }

  /** The devices with end-to-end keys of each user (POST /keys/query, all devices). */
  async devices(userIds: readonly string[]): Promise<Map<string, DeviceInfo[]>> {
    const out = new Map<string, DeviceInfo[]>();
    if (userIds.length === 0) return out;
    const res = await this.call<{ device_keys?: unknown }>('POST', '/keys/query', {
      device_keys: Object.fromEntries(userIds.map((u) => [u, []])),
      timeout: 10_000,
    });
    const byUser = res.device_keys && typeof res.device_keys === 'object' ? res.device_keys : {};
    for (const [user, devices] of Object.entries(byUser as Record<string, unknown>)) {
      if (!devices || typeof devices !== 'object') continue;
      const list: DeviceInfo[] = [];
      for (const [deviceId, info] of Object.entries(devices as Record<string, unknown>)) {
        const name = (info as { unsigned?: { device_display_name?: unknown } })?.unsigned
          ?.device_display_name;
        list.push({ deviceId, displayName: typeof name === 'string' ? name : undefined });
      }
      out.set(user, list);
    }
    return out;
  }

  /** Post an m.notice (plain text) to a room the client has joined. */
  async sendNotice(roomId: string, body: string, txnId: string): Promise<void> {
    await this.call(
      'PUT',
      `/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${encodeURIComponent(txnId)}`,
      { msgtype: 'm.notice', body },
    );
  }
}
