export type FakeMode =
  | 'normal'
  | 'silent'
  /** Silent over UDP, answers over TCP (a firewall that blocks UDP 53 only). */
  | 'udp-silent'
  | 'garbage'
  | 'garbage-same-id'
  | 'servfail'
  | 'refused'
  | 'wrong-id'
  | 'wrong-question'
  | 'truncate';

export interface FakeRecord {
  name: string;
  type: string;
  ttl?: number;
  data: unknown;
}

export interface FakeServerOptions {
  address?: string;
  port?: number;
  /** Zones this server is authoritative for; none = act as a recursive resolver (RA set). */
  zones?: string[];
  records?: FakeRecord[];
  mode?: FakeMode;
  delayMs?: number;
}

export interface FakeDnsServer {
  address: string;
  port: number;
  state: {
    mode: FakeMode;
    delayMs: number;
    records: FakeRecord[];
    zones: string[];
    udpQueries: number;
    tcpQueries: number;
  };
  close(): Promise<void>;
}

export function startDnsServer(options?: FakeServerOptions): Promise<FakeDnsServer>;
export function freePort(address: string, also?: string[]): Promise<number>;
export function hasIPv6Loopback(): Promise<boolean>;
