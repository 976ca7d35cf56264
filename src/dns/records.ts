import { isIPv4, isIPv6 } from 'node:net';
import { callServices } from '../config/calls.js';
import type { Config } from '../config/schema.js';

/**
 * The records a deployment needs, derived from the config. Pure: no I/O.
 * docs/dns.md explains each one.
 */

/** What the records must point at. */
export interface DnsTarget {
  domain: string;
  ipv4?: string;
  ipv6?: string;
  element: boolean;
  serveBaseDomain: boolean;
  srvDelegation: boolean;
  /** Audio/video on: Jitsi is served at jitsi.<domain>. */
  jitsi?: boolean;
}

export interface ExpectedRecord {
  name: string;
  type: 'A' | 'AAAA' | 'SRV';
  /** A/AAAA: the addresses; SRV: "target:port". The record must hold exactly these. */
  values: string[];
  /** A CNAME (chain) leading to the right address is fine here (element.<domain>). */
  cnameAllowed: boolean;
  /** Part of the verdict. Optional records are checked and reported but never block. */
  required: boolean;
  /** Kept for old servers only (`_matrix._tcp`). */
  deprecated?: boolean;
  /** Why the record is needed, for the report. */
  purpose: string;
}

export const FEDERATION_PORT = 8448;

/** An expected SRV value ("target:port") as the record's data: "10 0 <port> <target>". */
export function srvData(value: string): string {
  const [target, port] = value.split(':');
  return `10 0 ${port} ${target}`;
}

export function expectedRecords(t: DnsTarget): ExpectedRecord[] {
  const out: ExpectedRecord[] = [];
  const matrix = `matrix.${t.domain}`;
  const addr = (name: string, purpose: string, cnameAllowed: boolean, withV6: boolean) => {
    if (t.ipv4) out.push({ name, type: 'A', values: [t.ipv4], cnameAllowed, required: true, purpose });
    if (t.ipv6 && (withV6 || !t.ipv4))
      out.push({ name, type: 'AAAA', values: [t.ipv6], cnameAllowed, required: true, purpose });
  };
  addr(matrix, 'the homeserver (client and federation API)', true, true);
  if (t.element)
    addr(`element.${t.domain}`, 'Element Web (CNAME to matrix.<domain> or A to the server)', true, false);
  if (t.jitsi)
    addr(`jitsi.${t.domain}`, 'Jitsi audio/video (CNAME to matrix.<domain> or A to the server)', true, false);
  if (t.serveBaseDomain)
    addr(t.domain, 'the base domain serves /.well-known/matrix delegation', false, false);
  if (t.srvDelegation) {
    const value = `${matrix}:${FEDERATION_PORT}`;
    out.push({
      name: `_matrix-fed._tcp.${t.domain}`,
      type: 'SRV',
      values: [value],
      cnameAllowed: false,
      required: true,
      purpose: 'federation delegation by SRV (Matrix spec v1.8 and later)',
    });
    out.push({
      name: `_matrix._tcp.${t.domain}`,
      type: 'SRV',
      values: [value],
      cnameAllowed: false,
      required: false,
      deprecated: true,
      purpose: 'deprecated SRV name, only read by servers older than Matrix spec v1.8',
    });
  }
  return out;
}

/**
 * The target from a config. server.address may be an IPv4/IPv6 address or a host name; for a
 * host name the expected address must come from elsewhere: `hostToResolve` tells the caller
 * to resolve it (or to ask for --ip). Overrides (--ip/--ipv6) win over the config.
 */
export function targetFromConfig(
  config: Pick<Config, 'domain' | 'server' | 'element' | 'serve_base_domain' | 'srv_delegation'> &
    Partial<Pick<Config, 'audio_video' | 'homeserver'>>,
  overrides: { ipv4?: string; ipv6?: string } = {},
): { target: DnsTarget; hostToResolve?: string } {
  const address = config.server.address;
  const ipv4 = overrides.ipv4 ?? (isIPv4(address) ? address : undefined);
  const ipv6 = overrides.ipv6 ?? config.server.ipv6 ?? (isIPv6(address) ? address : undefined);
  const target: DnsTarget = {
    domain: config.domain,
    ...(ipv4 ? { ipv4 } : {}),
    ...(ipv6 ? { ipv6 } : {}),
    element: config.element,
    serveBaseDomain: config.serve_base_domain,
    srvDelegation: config.srv_delegation,
    // Element Call needs no record of its own (LiveKit lives under matrix.<domain>).
    jitsi: config.audio_video
      ? callServices({ audio_video: config.audio_video, homeserver: config.homeserver ?? 'synapse' }).jitsi
      : false,
  };
  const isHost = !isIPv4(address) && !isIPv6(address);
  return isHost && !ipv4 ? { target, hostToResolve: address.toLowerCase() } : { target };
}

/** Names whose records this check itself verifies: a server.address among them is circular. */
export function checkedNames(t: DnsTarget): string[] {
  return [`matrix.${t.domain}`, `element.${t.domain}`, `jitsi.${t.domain}`, t.domain];
}
