import { MatrixClient } from '../matrix/client.js';

/**
 * The client-server API calls of the state source, all specified (spec v1.19) and reachable
 * through MDAD's public client API with an admin's access token:
 *
 * - GET  /admin/whois/{userId}: every connection (IP, user agent, last seen) of an account.
 *   Synapse lists them all under the device key "" (it does not say which device made them).
 * - POST /keys/query: the account's devices that have end-to-end keys (every Element login),
 *   with their display names.
 * - PUT  /rooms/{roomId}/send/m.room.message/{txnId}: the --notify notice (MatrixClient.sendText).
 *
 * And, when the homeserver exposes it (MDAD does not by default), Synapse's own admin API, which
 * is not part of the spec: every account with its deactivated flag, and every device with its
 * last address, user agent and time.
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
  /** Only from Synapse's admin API: the device's last address, user agent and time (ms). */
  lastSeenIp?: string;
  lastSeenUserAgent?: string;
  lastSeenTs?: number;
}

export interface AccountInfo {
  userId: string;
  deactivated: boolean;
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

  /** GET /_synapse/admin/v2/users/{userId}/devices (Synapse only). */
  async synapseDevices(userId: string): Promise<DeviceInfo[]> {
    const res = await this.call<{ devices?: unknown }>(
      'GET',
      `/_synapse/admin/v2/users/${encodeURIComponent(userId)}/devices`,
    );
    const out: DeviceInfo[] = [];
    for (const d of Array.isArray(res.devices) ? (res.devices as Record<string, unknown>[]) : []) {
      if (typeof d?.device_id !== 'string') continue;
      out.push({
        deviceId: d.device_id,
        displayName: typeof d.display_name === 'string' ? d.display_name : undefined,
        ...(typeof d.last_seen_ip === 'string' ? { lastSeenIp: d.last_seen_ip } : {}),
        ...(typeof d.last_seen_user_agent === 'string' ? { lastSeenUserAgent: d.last_seen_user_agent } : {}),
        ...(typeof d.last_seen_ts === 'number' ? { lastSeenTs: d.last_seen_ts } : {}),
      });
    }
    return out;
  }

  /** GET /_synapse/admin/v2/users, every page, deactivated accounts included (Synapse only). */
  async synapseUsers(): Promise<AccountInfo[]> {
    const out: AccountInfo[] = [];
    let from: string | undefined = '0';
    for (let page = 0; from !== undefined && page < 100; page++) {
      const res: { users?: unknown; next_token?: unknown } = await this.call(
        'GET',
        `/_synapse/admin/v2/users?from=${encodeURIComponent(from)}&limit=500&guests=false&deactivated=true`,
      );
      for (const u of Array.isArray(res.users) ? (res.users as Record<string, unknown>[]) : []) {
        if (typeof u?.name === 'string')
          out.push({ userId: u.name, deactivated: u.deactivated === true || u.deactivated === 1 });
      }
      from =
        typeof res.next_token === 'string' || typeof res.next_token === 'number'
          ? String(res.next_token)
          : undefined;
    }
    return out;
  }
}
