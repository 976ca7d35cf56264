import type { ExpectedRecord } from './records.js';

/** The state of one record at one server (or of the record as a whole). */
export type RecordState =
  | 'ok'
  | 'wrong'
  | 'nxdomain'
  | 'nodata'
  | 'servfail'
  | 'refused'
  | 'timeout'
  | 'malformed'
  | 'lame'
  | 'cname-loop'
  | 'unreachable'
  | 'error'
  | 'skipped';

/** Worst first: the state a record shows when its servers disagree. */
export const STATE_ORDER: readonly RecordState[] = [
  'wrong',
  'nxdomain',
  'nodata',
  'cname-loop',
  'servfail',
  'refused',
  'lame',
  'malformed',
  'timeout',
  'error',
  'unreachable',
  'skipped',
  'ok',
];

export function worst(states: readonly RecordState[]): RecordState {
  for (const s of STATE_ORDER) if (states.includes(s)) return s;
  return 'ok';
}

/** What one server said about one record. */
export interface ServerAnswer {
  /** NS host name (authoritative view) or resolver label (public view). */
  server: string;
  address: string;
  state: RecordState;
  /** The final values (after following CNAMEs). */
  values: string[];
  /** CNAME hops from the queried name, in order. */
  chain: string[];
  /** TTL of the answer (the remaining TTL at a resolver); for negative answers, the negative-cache TTL. */
  ttl?: number;
  ms: number;
  detail?: string;
  /** The server itself failed the zone probe (lame, dead, ...): reported once, as a zone finding. */
  notAsked?: boolean;
  /** Reached only through the parent's glue: the zone itself gives this name server other addresses. */
  glueOnly?: boolean;
}

export interface ZoneServer {
  ns: string;
  address: string;
  port: number;
  /** Listed at the parent / in the zone's own NS set. */
  inParent: boolean;
  inChild: boolean;
  state: RecordState;
  serial?: number;
  ms: number;
  detail?: string;
  /** This address comes only from the parent's glue; the zone gives the name server other addresses. */
  glueOnly?: boolean;
  /** It answers over TCP only: why UDP failed. */
  udpBlocked?: string;
}

export interface ZoneView {
  apex: string;
  /** The zone that delegates it (undefined when the walk started at this zone's own servers). */
  parent?: string;
  parentNs: string[];
  childNs: string[];
  nsMismatch: boolean;
  servers: ZoneServer[];
  /** Negative-caching TTL: min(SOA TTL, SOA minimum). */
  negativeTtl?: number;
  serials: number[];
  /** Name servers whose glue at the parent differs from their addresses in DNS. */
  glueMismatch: { ns: string; glue: string[]; actual: string[] }[];
}

export type FindingLevel = 'error' | 'warning' | 'info';

export interface Finding {
  level: FindingLevel;
  code: string;
  /** The record or zone it is about. */
  subject: string;
  message: string;
  fix?: string;
}

export interface RecordReport {
  name: string;
  type: ExpectedRecord['type'];
  expected: string[];
  required: boolean;
  deprecated: boolean;
  cnameAllowed: boolean;
  purpose: string;
  zone?: string;
  /** The record as a whole at the authoritative servers. */
  state: RecordState;
  authoritative: ServerAnswer[];
  /** Filled only when the authoritative servers agree on the right value. */
  public: ServerAnswer[];
  /** When every public resolver should show the right value (ISO time), if some still do not. */
  convergeBy?: string;
}

export interface DnsReport {
  /** Bumped on incompatible changes to this JSON shape. */
  schema: 1;
  domain: string;
  ready: boolean;
  checkedAt: string;
  durationMs: number;
  records: RecordReport[];
  zones: ZoneView[];
  findings: Finding[];
  /** ISO time by which the public resolvers should all agree, if they do not yet. */
  convergeBy?: string;
}
