import type { AccountInfo, DeviceInfo, WatchClient } from './client.js';
import type { Snapshot } from './detect.js';

/**
 * One poll of the state source: whois of every account (in parallel) and their devices: from
 * Synapse's admin API when the homeserver exposes it (each device with its last address, user
 * agent and time, plus the list of every account), otherwise from one keys/query. An account the
 * server cannot describe (e.g. 404 for an account that never existed) is skipped and named in
 * `problems`; a failure of the whole poll (unreachable, token refused, not a server admin,
 * rate-limited beyond the retries) throws.
 */
export interface AdminApiProbe {
  /** undefined until the first poll finds out. */
  available?: boolean;
}

function wholePollFailure(err: unknown): boolean {
  const status = (err as { status?: number }).status;
  return status === undefined || status === 401 || status === 403 || status === 429;
}

export async function pollState(
  client: WatchClient,
  accounts: readonly string[],
  now: () => Date = () => new Date(),
  adminApi: AdminApiProbe = { available: false },
): Promise<{ snapshot: Snapshot; problems: string[] }> {
  const problems: string[] = [];
  let allAccounts: AccountInfo[] | undefined;
  if (adminApi.available !== false) {
    try {
      allAccounts = await client.synapseUsers();
      adminApi.available = true;
    } catch (err) {
      // Not exposed (MDAD's default: 404 from the proxy), or refused: the spec'd calls only.
      if ((err as { status?: number }).status === undefined) throw err;
      adminApi.available = false;
    }
  }
  const polled = [...new Set([...accounts, ...(allAccounts ?? []).map((a) => a.userId)])];
  const skip = (user: string) => (err: unknown) => {
    if (wholePollFailure(err)) throw err;
    problems.push(`${user}: ${(err as Error).message}`);
    return undefined;
  };
  const devicesOf: Promise<Map<string, DeviceInfo[]>> = adminApi.available
    ? Promise.all(polled.map((u) => client.synapseDevices(u).catch(skip(u)))).then(
        (lists) => new Map(polled.map((u, i) => [u, lists[i] ?? []])),
      )
    : client.devices(polled);
  const [devices, ...whois] = await Promise.all([
    devicesOf,
    ...polled.map((u) => client.whois(u).catch(skip(u))),
  ]);
  const snapshot: Snapshot = { at: now().toISOString(), accounts: new Map() };
  if (allAccounts) snapshot.allAccounts = allAccounts;
  polled.forEach((user, i) => {
    const connections = whois[i];
    if (connections === undefined) return;
    snapshot.accounts.set(user, { connections, devices: devices.get(user) ?? [] });
  });
  return { snapshot, problems };
}
