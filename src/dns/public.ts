import { readFile } from 'node:fs/promises';
import { isIP, isIPv6 } from 'node:net';
import { readAnswer } from './answer.js';
import type { Server } from './client.js';
import type { RecordType } from './message.js';
import type { Walker } from './resolver.js';
import type { ServerAnswer } from './types.js';

/**
 * The public view: what recursive resolvers (the system's and well-known public ones) return.
 * Asked only once the authoritative servers agree, so early polling does not plant
 * negative-cache entries.
 */

export interface ResolverSpec {
  label: string;
  server: Server;
}

export const DEFAULT_PUBLIC_RESOLVERS = ['1.1.1.1', '8.8.8.8', '9.9.9.9'];

const KNOWN: Record<string, string> = {
  '1.1.1.1': 'Cloudflare',
  '1.0.0.1': 'Cloudflare',
  '8.8.8.8': 'Google',
  '8.8.4.4': 'Google',
  '9.9.9.9': 'Quad9',
  '149.112.112.112': 'Quad9',
};

/** "1.1.1.1", "127.0.0.1:5300", "::1", "[::1]:5300". Throws with a readable message otherwise. */
export function parseResolver(text: string, label?: string): ResolverSpec {
  const t = text.trim();
  let address = t;
  let port = 53;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(t);
  if (bracket) {
    address = bracket[1]!;
    if (bracket[2]) port = Number(bracket[2]);
  } else if (!isIPv6(t) && t.includes(':')) {
    const i = t.lastIndexOf(':');
    address = t.slice(0, i);
    port = Number(t.slice(i + 1));
  }
  if (isIP(address) === 0) throw new Error(`"${text}" is not an IP address (optionally with :port)`);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`"${text}" has an invalid port`);
  return { label: label ?? KNOWN[address] ?? address, server: { address, port } };
}

/** The `nameserver` lines of a resolv.conf. */
export function parseResolvConf(text: string): ResolverSpec[] {
  const out: ResolverSpec[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (!m) continue;
    const address = m[1]!.replace(/%.*$/, '');
    if (isIP(address) !== 0) out.push({ label: `system (${address})`, server: { address, port: 53 } });
  }
  return out;
}

export async function systemResolvers(path = '/etc/resolv.conf'): Promise<ResolverSpec[]> {
  try {
    return parseResolvConf(await readFile(path, 'utf8'));
  } catch {
    return [];
  }
}

/** Ask every resolver (RD on) at once. States are provisional: 'ok' means "has values". */
export function publicLookup(
  walker: Walker,
  resolvers: ResolverSpec[],
  name: string,
  type: RecordType,
): Promise<ServerAnswer[]> {
  return Promise.all(
    resolvers.map(async (r): Promise<ServerAnswer> => {
      const o = await walker.query(r.server, name, type, true);
      const read = readAnswer(r.label, r.server.address, o, name, type, { authoritative: false });
      return 'settled' in read ? read.settled : read.negative();
    }),
  );
}
