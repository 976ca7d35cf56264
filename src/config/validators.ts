import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { domainToASCII } from 'node:url';

/**
 * Pure validators shared by the config schema and the wizard's inline validation.
 * Each returns an error message that names the fix, or undefined when the value is fine.
 */

export const HOMESERVERS = ['synapse', 'dendrite', 'conduit', 'continuwuity', 'tuwunel'] as const;
export type Homeserver = (typeof HOMESERVERS)[number];
/** Only these have MDAD's `register-user` task. */
export const HOMESERVERS_WITH_REGISTER_USER: readonly Homeserver[] = ['synapse', 'dendrite'];
/** The homeservers MDAD's matrix-user-creator role has a task file for (tasks/util/ensure_user_registered_*.yml). */
export const USER_CREATOR_HOMESERVERS: readonly Homeserver[] = [
  'synapse',
  'dendrite',
  'conduit',
  'continuwuity',
];

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Checks a DNS host name that is already ASCII and lowercase. */
export function hostNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name.length > 253) return `is ${name.length} characters long; a DNS name has at most 253`;
  const labels = name.split('.');
  for (const label of labels) {
    if (label.length === 0) return 'has an empty label (two dots in a row, or a leading dot)';
    if (label.length > 63)
      return `has a label of ${label.length} characters ("${label.slice(0, 20)}…"); at most 63`;
    if (!LABEL.test(label)) {
      return `has an invalid label "${label}": use letters a-z, digits and inner hyphens only`;
    }
  }
  if (labels.length < 2) return 'needs at least two labels, like example.com';
  if (/^[0-9]+$/.test(labels[labels.length - 1]!))
    return 'ends in an all-numeric label, so it is not a host name';
  return undefined;
}

export interface DomainResult {
  /** The ASCII (punycode) form, when the input is acceptable. */
  value?: string;
  error?: string;
  warning?: string;
}

/** A Matrix base domain: lowercase, no scheme/path/port/trailing dot; IDNs become their ASCII form. */
export function checkDomain(input: string): DomainResult {
  const raw = input.trim();
  if (raw === '') return { error: 'is empty: give the base domain of your user IDs, like example.com' };
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(raw);
  if (scheme) {
    const rest = raw.slice(scheme[0].length).split(/[/:?#]/)[0] ?? '';
    return { error: `must not contain a scheme ("${scheme[0]}"): write just "${rest.toLowerCase()}"` };
  }
  const userId = /^@[^:]*:(.+)$/.exec(raw);
  if (userId) {
    return {
      error: `"${raw}" is a user ID, not a domain: the domain is the part after the colon, write "${userId[1]!.toLowerCase()}"`,
    };
  }
  if (raw.includes('@')) {
    const after = raw.slice(raw.lastIndexOf('@') + 1);
    return {
      error: `"${raw}" is not a domain (it has "@"): write just the part after it, "${after.toLowerCase()}"`,
    };
  }
  if (/[/?#]/.test(raw)) {
    return { error: `must not contain a path: write just "${raw.split(/[/?#]/)[0]}"` };
  }
  if (/:\d*$/.test(raw) || raw.includes(':')) {
    return { error: `must not contain a port: write just "${raw.split(':')[0]}"` };
  }
  if (raw.endsWith('.')) return { error: `must not end with a dot: write "${raw.replace(/\.+$/, '')}"` };
  if (/[A-Z]/.test(raw)) {
    return { error: `must be lowercase (Matrix user IDs are): write "${raw.toLowerCase()}"` };
  }
  let ascii = raw;
  if ([...raw].some((c) => c.charCodeAt(0) > 0x7f)) {
    ascii = domainToASCII(raw);
    if (ascii === '') return { error: `"${raw}" is not a valid internationalised domain name` };
  }
  const problem = hostNameProblem(ascii);
  if (problem) return { error: `"${raw}" ${problem}` };
  const result: DomainResult = { value: ascii };
  if (ascii.startsWith('matrix.')) {
    result.warning = `"${ascii}" starts with "matrix."; user IDs will look like @alice:${ascii} and the server will be matrix.${ascii}. If you meant the base domain, use "${ascii.slice('matrix.'.length)}"`;
  }
  return result;
}

/** The server's SSH address: an IPv4 or IPv6 address, or a host name. */
export function addressProblem(value: string): string | undefined {
  if (isIPv4(value) || isIPv6(value)) return undefined;
  if (value.trim() === '') {
    return "is empty: give the server's public IPv4 address (like 203.0.113.10), IPv6 address or host name";
  }
  const login = /^([^@\s]+)@(.+)$/.exec(value);
  if (login) {
    return `"${value}" includes the SSH login "${login[1]}@": give the address only, "${login[2]}" (the login is asked next, or --ssh-user ${login[1]})`;
  }
  const port = /^(\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d+)$/.exec(value);
  if (port && (isIPv4(port[1]!) || isIPv6(port[1]!.replace(/^\[|\]$/g, '')) || /[A-Za-z]/.test(port[1]!))) {
    const host = port[1]!.replace(/^\[|\]$/g, '');
    return `"${value}" includes a port: give the address only, "${host}" (the SSH port is asked next, or --ssh-port ${port[2]})`;
  }
  if (/^[0-9.]+$/.test(value) || value.includes(':')) {
    return `"${value}" is not an IPv4/IPv6 address or host name: check the digits, e.g. 203.0.113.10 or 2001:db8::10`;
  }
  const lower = value.toLowerCase();
  if (hostNameProblem(lower) === undefined) return undefined;
  return `"${value}" is not an IPv4/IPv6 address or host name: ${hostNameProblem(lower)}`;
}

export function ipv4Problem(value: string): string | undefined {
  return isIPv4(value) ? undefined : `"${value}" is not an IPv4 address (like 203.0.113.10)`;
}

export function ipv6Problem(value: string): string | undefined {
  return isIPv6(value) ? undefined : `"${value}" is not an IPv6 address (like 2001:db8::10)`;
}

/** A POSIX login name, as sshd and sudo accept it. */
export function sshUserProblem(value: string): string | undefined {
  return /^[a-z_][a-z0-9_-]{0,31}$/.test(value)
    ? undefined
    : `"${value}" is not a valid login name: lowercase letters, digits, "_" and "-", starting with a letter or "_", at most 32`;
}

export function portProblem(value: number): string | undefined {
  return Number.isInteger(value) && value >= 1 && value <= 65535
    ? undefined
    : `${value} is not a TCP port: use a whole number from 1 to 65535 (SSH's default is 22)`;
}

/**
 * A Matrix user ID localpart (spec: "User Identifiers"): lowercase a-z, 0-9 and . _ = - / +;
 * the whole ID @localpart:domain at most 255 characters.
 */
export function localpartProblem(value: string, domain?: string): string | undefined {
  if (value.length === 0) return 'is empty: give a pseudonymous user name like "analyst1"';
  if (value.startsWith('@'))
    return `must be the localpart only, without "@" or ":domain": write "${value.slice(1).split(':')[0]}"`;
  if (/[A-Z]/.test(value) && /^[A-Za-z0-9._=\-/+]+$/.test(value)) {
    return `"${value}" has capital letters; Matrix user names are lowercase: write "${value.toLowerCase()}"`;
  }
  if (!/^[a-z0-9._=\-/+]+$/.test(value)) {
    return `"${value}" may only contain a-z, 0-9 and . _ = - / + (Matrix user ID rules)`;
  }
  const full = `@${value}:${domain ?? ''}`;
  if (domain && full.length > 255) return `makes the user ID ${full.length} characters long; at most 255`;
  return undefined;
}

/** A contact e-mail for Let's Encrypt. Deliberately plain: no quotes, spaces or braces. */
export function emailProblem(value: string): string | undefined {
  return /^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/.test(value)
    ? undefined
    : `"${value}" is not an e-mail address like security@example.com`;
}

/** Levenshtein distance, for did-you-mean on unknown keys. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

export function didYouMean(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const d = editDistance(key.toLowerCase(), candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

/** Address ranges that are not reachable from the internet (RFC 1918, 6598, 4193, loopback, link-local). */
const NON_PUBLIC: readonly [string, number, 'ipv4' | 'ipv6', string][] = [
  ['10.0.0.0', 8, 'ipv4', 'private'],
  ['172.16.0.0', 12, 'ipv4', 'private'],
  ['192.168.0.0', 16, 'ipv4', 'private'],
  ['100.64.0.0', 10, 'ipv4', 'carrier-grade NAT'],
  ['127.0.0.0', 8, 'ipv4', 'loopback'],
  ['169.254.0.0', 16, 'ipv4', 'link-local'],
  ['0.0.0.0', 8, 'ipv4', 'unspecified'],
  ['::1', 128, 'ipv6', 'loopback'],
  ['::', 128, 'ipv6', 'unspecified'],
  ['fe80::', 10, 'ipv6', 'link-local'],
  ['fc00::', 7, 'ipv6', 'unique local (private)'],
];

/** "private", "loopback", ... for an address the internet cannot reach; undefined otherwise. */
export function nonPublicKind(address: string): string | undefined {
  const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined;
  if (!family) return undefined;
  for (const [net, prefix, fam, kind] of NON_PUBLIC) {
    if (fam !== family) continue;
    const list = new BlockList();
    list.addSubnet(net, prefix, fam);
    if (list.check(address, family)) return kind;
  }
  return undefined;
}

/**
 * Warnings for server addresses the internet cannot reach: what will not work. A test server or
 * a VPN-only deployment may want exactly that, so it is a warning, not an error.
 */
export function addressWarnings(cfg: {
  server: { address: string; ipv6?: string | undefined };
  audio_video?: { enabled?: boolean; external_ip?: string | undefined } | undefined;
}): string[] {
  const fields: [string, string | undefined][] = [
    ['server.address', cfg.server.address],
    ['server.ipv6', cfg.server.ipv6],
    ['audio_video.external_ip', cfg.audio_video?.enabled ? cfg.audio_video.external_ip : undefined],
  ];
  const out: string[] = [];
  for (const [field, value] of fields) {
    const kind = value === undefined ? undefined : nonPublicKind(value);
    if (!kind) continue;
    out.push(
      `${field}: ${value} is a ${kind} address, not reachable from the internet: Let's Encrypt cannot issue certificates, other servers cannot federate, audio/video calls cannot connect from outside, and "dns check" would ask you to publish it; use the server's public address unless the team only reaches it on this network`,
    );
  }
  return out;
}
