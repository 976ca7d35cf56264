import type { Config } from '../config/schema.js';
import { fallbackServers } from '../config/servers.js';
import { parseInventoryIni } from '../inventory/parse-hosts.js';
import { pinnedKeys } from './known-hosts.js';
import { sshTarget } from './target.js';

/**
 * The fallback servers (docs/fallback.md) whose SSH host key is not pinned in known_hosts, at
 * the address and port Ansible will use (their inventory line, else their config). Pure.
 */
export function unpinnedFallbacks(config: Config, hostsText: string, knownHostsText: string): string[] {
  const lines = parseInventoryIni(hostsText).groups.flatMap((g) => g.hosts);
  return fallbackServers(config)
    .filter((s) => {
      const line = lines.find((h) => h.name === s.hostName);
      const target = sshTarget({ ...config, server: s.server }, line, {});
      return pinnedKeys(knownHostsText, target.host, target.port).length === 0;
    })
    .map((s) => s.domain);
}
