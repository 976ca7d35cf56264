import type { WatchClient } from './client.js';
import type { Snapshot } from './detect.js';

/**
 * One poll of the state source: whois of every account (in parallel) and one keys/query for
 * all their devices. An account the server cannot describe (e.g. 404 for an account that never
 * existed) is skipped and named in `problems`; a failure of the whole poll (unreachable, token
 * refused, not a server admin, rate-limited beyond the retries) throws.
 */
export async function pollState(
  client: WatchClient,
  accounts: readonly string[],
  now: () => Date = () => new Date(),
): Promise<{ snapshot: Snapshot; problems: string[] }> {
  const problems: string[] = [];
  const [devices, ...whois] = await Promise.all([
    client.devices(accounts),
    ...accounts.map((user) =>
      client.whois(user).catch((err: unknown) => {
        // Unreachable, token refused, or not an admin: the whole poll fails, not one account.
        const status = (err as { status?: number }).status;
        if (status === undefined || status === 401 || status === 403 || status === 429) throw err;
        problems.push(`${user}: ${(err as Error).message}`);
        return undefined;
      }),
    ),
  ]);
  const snapshot: Snapshot = { at: now().toISOString(), accounts: new Map() };
  accounts.forEach((user, i) => {
    const connections = whois[i];
    if (connections === undefined) return;
    snapshot.accounts.set(user, { connections, devices: devices.get(user) ?? [] });
  });
  return { snapshot, problems };
}
