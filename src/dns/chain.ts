import type { QueryOutcome } from './client.js';
import { RCODE, type RecordType, type Reply, type Rr } from './message.js';
import { canonical } from './names.js';

/** Reading one reply: its state, its CNAME chain, its negative-caching TTL. */

export function outcomeState(
  o: QueryOutcome,
): 'timeout' | 'servfail' | 'refused' | 'malformed' | 'lame' | 'unreachable' | 'error' | 'ok' {
  if (o.state !== 'reply') return o.state;
  const rc = o.reply!.rcode;
  if (rc === RCODE.SERVFAIL) return 'servfail';
  if (rc === RCODE.REFUSED) return 'refused';
  if (rc === RCODE.NOERROR || rc === RCODE.NXDOMAIN) return 'ok';
  return 'error';
}

/** Negative-caching TTL of a reply (RFC 2308): min(SOA TTL, SOA minimum) of the authority SOA. */
export function negativeTtl(reply: Reply): number | undefined {
  const soa = reply.authorities.find((rr) => rr.type === 'SOA');
  return soa?.soa ? Math.min(soa.ttl, soa.soa.minimum) : undefined;
}

export interface Chain {
  values: string[];
  ttl?: number;
  chain: string[];
  /** The name the chain ends at (the queried name when there is no CNAME). */
  end: string;
  loop: boolean;
  records: Rr[];
}

/** Follow CNAMEs inside one reply's answer section, with loop detection. */
export function followChain(reply: Reply, name: string, type: RecordType): Chain {
  let current = canonical(name);
  const chain: string[] = [];
  const visited = new Set([current]);
  let ttl: number | undefined;
  for (let i = 0; i < 16; i++) {
    const found = reply.answers.filter((rr) => rr.name === current && rr.type === type);
    if (found.length > 0) {
      const minTtl = Math.min(...found.map((f) => f.ttl));
      return {
        values: [...new Set(found.map((f) => f.value))].sort(),
        ttl: ttl === undefined ? minTtl : Math.min(ttl, minTtl),
        chain,
        end: current,
        loop: false,
        records: found,
      };
    }
    const cname = reply.answers.find((rr) => rr.name === current && rr.type === 'CNAME');
    if (!cname) break;
    ttl = ttl === undefined ? cname.ttl : Math.min(ttl, cname.ttl);
    chain.push(cname.value);
    if (visited.has(cname.value))
      return { values: [], ttl, chain, end: cname.value, loop: true, records: [] };
    visited.add(cname.value);
    current = cname.value;
  }
  return { values: [], ...(ttl === undefined ? {} : { ttl }), chain, end: current, loop: false, records: [] };
}
