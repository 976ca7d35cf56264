import type { DnsClient, QueryOutcome, Server } from './client.js';
import { RCODE, type RecordType, type Reply, type Rr } from './message.js';
import { canonical, isSubdomain, labelCount, parentName } from './names.js';

/**
 * Iterative resolution by our own queries, from configurable root/parent servers: the walk down
 * the delegations that finds a name's zone apex and the parent's delegation, and address lookups
 * for name-server names (no OS resolver involved). Every query goes through one cache of
 * in-flight promises, so the same question to the same server is asked once per check.
 */

export interface WalkSettings {
  roots: Server[];
  /** Port of every authoritative server found on the way (53 in real life). */
  authPort: number;
  client: DnsClient;
  signal?: AbortSignal;
}

export interface Delegation {
  parentZone: string;
  zone: string;
  nsNames: string[];
  /** Glue addresses the parent gave, per NS name. */
  glue: Record<string, string[]>;
}

export type WalkResult =
  | {
      ok: true;
      apex: string;
      /** The servers that answered authoritatively. */
      servers: Server[];
      reply: Reply;
    }
  | {
      ok: false;
      /** The zone whose servers failed. */
      zone: string;
      /** No root server answered at all: the check itself cannot run. */
      atRoot: boolean;
      state: 'timeout' | 'servfail' | 'refused' | 'malformed' | 'lame' | 'unreachable' | 'error';
      detail: string;
    };

const MAX_STEPS = 16;
const MAX_DEPTH = 5;
/** Ask the next server when the current one has not answered after this long. */
const HEDGE_MS = 300;

export class Walker {
  private readonly queries = new Map<string, Promise<QueryOutcome>>();
  private readonly walks = new Map<string, Promise<WalkResult>>();
  private readonly addressCache = new Map<string, Promise<string[]>>();
  /** Known zone cuts: zone -> its servers (from referrals). */
  private readonly cuts = new Map<string, Server[]>();
  readonly delegations = new Map<string, Delegation>();

  constructor(readonly settings: WalkSettings) {}

  /** One query, asked once per check (authoritative: RD off). */
  query(server: Server, name: string, type: RecordType, recursion = false): Promise<QueryOutcome> {
    const key = `${server.address}|${server.port}|${canonical(name)}|${type}|${recursion}`;
    let p = this.queries.get(key);
    if (!p) {
      p = this.settings.client.query(
        server,
        { name: canonical(name), type },
        { recursion, signal: this.settings.signal },
      );
      this.queries.set(key, p);
    }
    return p;
  }

  /**
   * Hedged race: ask one server; ask the next when it fails or has not answered within
   * HEDGE_MS. The first usable reply (NOERROR or NXDOMAIN) wins. Costs one round trip when the
   * first server is healthy, and never waits a full timeout per dead server.
   */
  race(
    servers: Server[],
    name: string,
    type: RecordType,
  ): Promise<{ reply: Reply; server: Server } | QueryOutcome[]> {
    if (servers.length === 0) return Promise.resolve([]);
    const order = [...servers].sort(() => Math.random() - 0.5);
    return new Promise((resolve) => {
      const outcomes: QueryOutcome[] = [];
      let next = 0;
      let pending = 0;
      let done = false;
      let timer: NodeJS.Timeout | undefined;
      const finish = (value: { reply: Reply; server: Server } | QueryOutcome[]) => {
        done = true;
        clearTimeout(timer);
        resolve(value);
      };
      const launch = () => {
        if (done || next >= order.length) return;
        const server = order[next++]!;
        pending++;
        clearTimeout(timer);
        if (next < order.length) timer = setTimeout(launch, HEDGE_MS);
        this.query(server, name, type).then((o) => {
          pending--;
          if (done) return;
          const rc = o.reply?.rcode;
          if (o.state === 'reply' && o.reply && (rc === RCODE.NOERROR || rc === RCODE.NXDOMAIN)) {
            return finish({ reply: o.reply, server });
          }
          outcomes.push(o);
          if (next < order.length) launch();
          else if (pending === 0) finish(outcomes);
        });
      };
      launch();
    });
  }

  /** Walk from the roots (or the deepest known cut) to the zone that answers for name/type. */
  walk(name: string, type: RecordType = 'SOA', stack: readonly string[] = []): Promise<WalkResult> {
    const key = `${canonical(name)}|${type}`;
    let p = this.walks.get(key);
    if (!p) {
      p = this.doWalk(canonical(name), type, stack);
      this.walks.set(key, p);
    }
    return p;
  }

  private deepestCut(name: string): { zone: string; servers: Server[] } {
    let best = { zone: '.', servers: this.settings.roots };
    for (const [zone, servers] of this.cuts) {
      if (isSubdomain(name, zone) && labelCount(zone) > labelCount(best.zone) && servers.length > 0) {
        best = { zone, servers };
      }
    }
    return best;
  }

  private async doWalk(name: string, type: RecordType, stack: readonly string[]): Promise<WalkResult> {
    let { zone, servers } = this.deepestCut(name);
    const startedAtRoot = zone === '.';
    for (let step = 0; step < MAX_STEPS; step++) {
      const r = await this.race(servers, name, type);
      if (Array.isArray(r)) return failure(zone, r, startedAtRoot && step === 0);
      const { reply } = r;
      if (reply.aa) {
        const soa = [...reply.authorities, ...reply.answers].find(
          (rr) => rr.type === 'SOA' && isSubdomain(name, rr.name),
        );
        const apex = soa?.name ?? zone;
        return { ok: true, apex, servers, reply };
      }
      const ns = reply.authorities.filter(
        (rr) => rr.type === 'NS' && isSubdomain(name, rr.name) && labelCount(rr.name) > labelCount(zone),
      );
      if (ns.length === 0) {
        if (startedAtRoot && step === 0) {
          // The configured roots answer like a resolver: DNS is intercepted on this network.
          return {
            ok: false,
            zone,
            atRoot: true,
            state: 'lame',
            detail: `the root servers answered ${name} without authority and without a referral${reply.ra ? ' (as a recursive resolver would)' : ''}: something on this network intercepts DNS on port 53, so the authoritative servers cannot be asked directly`,
          };
        }
        return {
          ok: false,
          zone,
          atRoot: false,
          state: 'lame',
          detail: `the servers of ${zone} gave neither an authoritative answer nor a referral for ${name}`,
        };
      }
      const child = ns[0]!.name;
      const nsNames = [...new Set(ns.filter((rr) => rr.name === child).map((rr) => rr.value))].sort();
      const glue: Record<string, string[]> = {};
      for (const n of nsNames) {
        const g = reply.additionals.filter((rr) => rr.name === n && (rr.type === 'A' || rr.type === 'AAAA'));
        if (g.length > 0) glue[n] = g.map((rr) => rr.value);
      }
      if (!this.delegations.has(child)) {
        // The first referral comes from the configured roots, whose zone we do not know: assume
        // the child's parent name (right for the real root and for a test TLD).
        const parentZone = zone === '.' ? parentName(child) : zone;
        this.delegations.set(child, { parentZone, zone: child, nsNames, glue });
      }
      const next = await Promise.all(
        nsNames.map(async (n) => {
          if (glue[n]) return glue[n];
          if (isSubdomain(n, child)) return []; // in-bailiwick without glue: unreachable by design
          return this.addresses(n, stack);
        }),
      );
      const addrs = [...new Set(next.flat())];
      servers = addrs.map((address) => ({ address, port: this.settings.authPort }));
      if (!this.cuts.has(child)) this.cuts.set(child, servers);
      zone = child;
      if (servers.length === 0) {
        return {
          ok: false,
          zone,
          atRoot: false,
          state: 'lame',
          detail: `no address found for any name server of ${zone} (${nsNames.join(', ')})`,
        };
      }
    }
    return { ok: false, zone, atRoot: false, state: 'error', detail: `too many delegations for ${name}` };
  }

  /** Every IPv4 and IPv6 address of a host name, resolved authoritatively (CNAMEs followed). */
  addresses(host: string, stack: readonly string[] = []): Promise<string[]> {
    const key = canonical(host);
    // A name server whose address needs itself (glueless cycle) or a chain too deep: give up.
    if (stack.includes(key) || stack.length >= MAX_DEPTH) return Promise.resolve([]);
    let p = this.addressCache.get(key);
    if (!p) {
      const inner = [...stack, key];
      p = Promise.all([this.resolve(key, 'A', inner), this.resolve(key, 'AAAA', inner)]).then(([a, b]) => [
        ...a.values,
        ...b.values,
      ]);
      this.addressCache.set(key, p);
    }
    return p;
  }

  /** The values of name/type as its zone's servers give them (first usable answer; CNAMEs followed). */
  async resolve(
    name: string,
    type: RecordType,
    stack: readonly string[] = [],
    seen: string[] = [],
  ): Promise<{ values: string[]; chain: string[] }> {
    const w = await this.walk(name, type, stack);
    if (!w.ok) return { values: [], chain: [] };
    const c = followChain(w.reply, name, type);
    if (c.values.length > 0 || c.loop || c.chain.length === 0) return { values: c.values, chain: c.chain };
    const next = c.chain[c.chain.length - 1]!;
    if ([name, ...seen].includes(next) || seen.length > 8) return { values: [], chain: c.chain };
    const more = await this.resolve(next, type, stack, [...seen, name, ...c.chain]);
    return { values: more.values, chain: [...c.chain, ...more.chain] };
  }
}

function failure(zone: string, outcomes: QueryOutcome[], atRoot: boolean): WalkResult {
  const states = outcomes.map(outcomeState);
  const order = ['servfail', 'refused', 'malformed', 'lame', 'timeout', 'unreachable'] as const;
  const state = order.find((s) => states.includes(s)) ?? 'error';
  const details = [...new Set(outcomes.map((o) => o.detail).filter(Boolean))];
  return {
    ok: false,
    zone,
    atRoot: atRoot && states.every((s) => s === 'timeout' || s === 'unreachable'),
    state,
    detail: `no server of ${zone === '.' ? 'the root' : zone} gave a usable answer (${states.join(', ') || 'no servers'})${details.length ? `: ${details.join('; ')}` : ''}`,
  };
}

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
