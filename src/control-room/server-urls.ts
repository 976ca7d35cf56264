import type { Config } from '../config/schema.js';
import { fallbackServers, serverByDomain } from '../config/servers.js';
import { UserError } from '../errors.js';
import { homeserverUrl } from './case.js';

/**
 * The DOMAIN=URL pairs of a repeatable flag (control-room --server-url, drill --homeserver-url),
 * each naming one of `domains`: a typo in a domain is refused, not silently left unused. The URL
 * itself is checked where it is used (homeserverUrl: this case's server, https).
 */
export function serverUrlPairs(
  flag: string,
  pairs: readonly string[],
  domains: readonly string[],
  what: string,
): Record<string, string> {
  const example = domains[0] ?? 'example-backup.org';
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      throw new UserError(`${flag} ${JSON.stringify(pair)} is not DOMAIN=URL`, {
        hint: `e.g. ${flag} ${example}=https://matrix.${example}`,
      });
    }
    const domain = pair.slice(0, eq);
    if (!domains.includes(domain)) {
      throw new UserError(`${flag} ${JSON.stringify(pair)}: ${domain} is not ${what}`, {
        hint:
          domains.length > 0
            ? `give one of: ${domains.join(', ')} (e.g. ${flag} ${example}=https://matrix.${example})`
            : 'add the server to matrix-oob.yml first (docs/fallback.md)',
      });
    }
    out[domain] = pair.slice(eq + 1);
  }
  return out;
}

/**
 * --server-url DOMAIN=URL pairs (control-room, user remove): each must name a fallback server,
 * and each URL is held to the main server's rule (homeserverUrl: that server's name or address,
 * https or loopback), all checked before anything is sent. Returns the checked URLs by domain.
 */
export function fallbackServerUrls(pairs: readonly string[], config: Config): Record<string, string> {
  const given = serverUrlPairs(
    '--server-url',
    pairs,
    fallbackServers(config).map((s) => s.domain),
    "a fallback server of this case (the main server's URL is --homeserver-url)",
  );
  return Object.fromEntries(
    Object.entries(given).map(([domain, url]) => {
      const address = serverByDomain(config, domain)?.server.address;
      return [
        domain,
        homeserverUrl(domain, url, { from: `--server-url ${domain}=`, ...(address ? { address } : {}) }),
      ];
    }),
  );
}
