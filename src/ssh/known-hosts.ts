import { createHmac } from 'node:crypto';
import { sha256Fingerprint } from './fingerprint.js';

/**
 * The case's known_hosts file (<case>/known_hosts): OpenSSH format, one pinned key per line,
 * `[host]:port` for ports other than 22. Every ssh and Ansible run of matrix-oob uses it with
 * StrictHostKeyChecking=yes (see sshHostKeyOptions).
 */

export interface HostKey {
  /** "ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa". */
  type: string;
  /** Base64 key blob. */
  key: string;
  fingerprint: string;
}

export interface KnownHostsLine {
  raw: string;
  patterns: string[];
  marker?: string;
  type?: string;
  key?: string;
}

/** How ssh names a host in known_hosts. */
export function hostPattern(host: string, port: number): string {
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}

export function parseKnownHosts(text: string): KnownHostsLine[] {
  return text.split('\n').map((raw) => {
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return { raw, patterns: [] };
    const fields = trimmed.split(/\s+/);
    const marker = fields[0]?.startsWith('@') ? fields.shift() : undefined;
    const [hosts = '', type, key] = fields;
    return { raw, patterns: hosts.split(','), ...(marker ? { marker } : {}), type, key };
  });
}

/** Whether a known_hosts host field entry (plain or hashed "|1|salt|hash") names `pattern`. */
export function patternMatches(entry: string, pattern: string): boolean {
  if (entry.startsWith('|1|')) {
    const [, , salt, hash] = entry.split('|');
    if (!salt || !hash) return false;
    const h = createHmac('sha1', Buffer.from(salt, 'base64')).update(pattern).digest('base64');
    return h === hash;
  }
  return entry.toLowerCase() === pattern;
}

/** The keys pinned for host:port. */
export function pinnedKeys(text: string, host: string, port: number): HostKey[] {
  const pattern = hostPattern(host, port);
  return parseKnownHosts(text)
    .filter(
      (l) => l.marker === undefined && l.type && l.key && l.patterns.some((p) => patternMatches(p, pattern)),
    )
    .map((l) => ({ type: l.type!, key: l.key!, fingerprint: sha256Fingerprint(l.key!) }));
}

/**
 * Replace whatever is pinned for host:port with `keys`; other hosts' lines stay as they were.
 * Returns the new text and the keys that were pinned before (to report a replacement).
 */
export function pinKeys(
  text: string,
  host: string,
  port: number,
  keys: readonly HostKey[],
): { text: string; replaced: HostKey[] } {
  const pattern = hostPattern(host, port);
  const replaced: HostKey[] = [];
  const kept: string[] = [];
  for (const line of parseKnownHosts(text)) {
    const hit = line.patterns.some((p) => patternMatches(p, pattern));
    if (!hit || line.marker !== undefined) {
      kept.push(line.raw);
      continue;
    }
    if (line.type && line.key)
      replaced.push({ type: line.type, key: line.key, fingerprint: sha256Fingerprint(line.key) });
    const others = line.patterns.filter((p) => !patternMatches(p, pattern));
    if (others.length > 0) kept.push([others.join(','), line.type, line.key].join(' '));
  }
  while (kept.length > 0 && kept[kept.length - 1]!.trim() === '') kept.pop();
  for (const k of keys) kept.push(`${pattern} ${k.type} ${k.key}`);
  const unchanged =
    replaced.length === keys.length &&
    replaced.every((r) => keys.some((k) => k.type === r.type && k.key === r.key));
  return { text: `${kept.join('\n')}\n`, replaced: unchanged ? [] : replaced };
}

/**
 * The host-key options every ssh connection of matrix-oob uses, direct or through Ansible:
 * only the case's known_hosts, strict checking, never learning keys on the fly. Each is one
 * `Key=value` ssh option; the file name is double-quoted (ssh splits the value on spaces)
 * with `%` doubled (ssh expands %-tokens there).
 */
export function hostKeyOptions(knownHostsFile: string): string[] {
  const file = knownHostsFile.replace(/%/g, '%%').replace(/(["\\])/g, '\\$1');
  return [
    'StrictHostKeyChecking=yes',
    `UserKnownHostsFile="${file}"`,
    'GlobalKnownHostsFile=/dev/null',
    // Nothing may add keys beside the pin: not a command (e.g. from ~/.ssh/config), not DNS.
    'KnownHostsCommand=none',
    'VerifyHostKeyDNS=no',
    'UpdateHostKeys=no',
    'CheckHostIP=no',
  ];
}

/** hostKeyOptions as ssh argv (`-o Key=value` pairs). */
export function sshHostKeyOptions(knownHostsFile: string): string[] {
  return hostKeyOptions(knownHostsFile).flatMap((option) => ['-o', option]);
}

/**
 * The arguments every ssh of matrix-oob starts with: the pinned key only (sshHostKeyOptions), no
 * prompts, a connection deadline, then `extra` options, the key file, port and login.
 */
export function sshBaseArgs(
  t: { knownHosts: string; port: number; user: string; identityFile?: string | undefined },
  timeoutSec: number,
  extra: readonly string[] = [],
): string[] {
  return [
    ...sshHostKeyOptions(t.knownHosts),
    '-o',
    'BatchMode=yes',
    '-o',
    `ConnectTimeout=${timeoutSec}`,
    ...extra,
    ...(t.identityFile ? ['-i', t.identityFile] : []),
    '-p',
    String(t.port),
    '-l',
    t.user,
  ];
}
