import { followChain } from './chain.js';
import type { DnsClient, QueryOutcome, Server } from './client.js';
import { memo } from './memo.js';
import type { RecordType, Reply } from './message.js';
import { canonical, isSubdomain, labelCount, parentName } from './names.js';
import { failure, referral, type Unusable, usable } from './referral.js';

/**
 * Iterative resolution by our own queries, from configurable root/parent servers: the walk down
 * the delegations that finds a name's zone apex and the parent's delegation, and address lookups
 * for name-server names (no OS resolver involved). Every query goes through one cache of
 * in-flight promises, so the same question to the same server is asked once per check.
 *
 * The result never depends on which server happens to answer first: a server that answers
 * without authority and without a referral further down (a lame server, or one that refers the
 * zone back to itself) is passed over, and values are taken from every server of the zone.
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

export type WalkFailure = {
  ok: false;
  /** The zone whose servers failed. */
  zone: string;
  /** No root server answered at all: the check itself cannot run. */
  atRoot: boolean;
  state: 'timeout' | 'servfail' | 'refused' | 'malformed' | 'lame' | 'unreachable' | 'error';
  detail: string;
};

export type WalkResult =
  | {
      ok: true;
      apex: string;
      /** Every server of the zone (the cut), in a fixed order. */
      servers: Server[];
      reply: Reply;
    }
  | WalkFailure;

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
    const key = `${server.address}|${server.port}|${server.tcp ? 'tcp' : ''}|${canonical(name)}|${type}|${recursion}`;
    return memo(this.queries, key, () =>
      this.settings.client.query(
        server,
        { name: canonical(name), type },
        { recursion, signal: this.settings.signal },
      ),
    );
  }

  /**
   * Hedged race: ask one server; ask the next when it fails or has not answered within
   * HEDGE_MS. The first reply that makes progress (authoritative, or a referral below `zone`)
   * wins. Costs one round trip when the first server is healthy, never a full timeout per dead
   * server; a lame server is passed over whatever the order.
   */
  private race(
    servers: Server[],
    zone: string,
    name: string,
    type: RecordType,
  ): Promise<{ reply: Reply; server: Server } | Unusable[]> {
    if (servers.length === 0) return Promise.resolve([]);
    // Random order spreads load; the result does not depend on it (see usable()).
    const order = [...servers].sort(() => Math.random() - 0.5);
    return new Promise((resolve) => {
      const failed: Unusable[] = [];
      let next = 0;
      let pending = 0;
      let done = false;
      let timer: NodeJS.Timeout | undefined;
      const finish = (value: { reply: Reply; server: Server } | Unusable[]) => {
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
          const why = usable(o, zone, name);
          if (why === true) return finish({ reply: o.reply!, server });
          failed.push({ server, outcome: o, ...(why ? { lame: why } : {}) });
          if (next < order.length) launch();
          else if (pending === 0)
            finish(failed.sort((a, b) => (a.server.address < b.server.address ? -1 : 1)));
        });
      };
      launch();
    });
  }

  /**
   * Walk from the roots (or the deepest known cut) to the zone that answers for name/type.
   * `stack`: the name servers whose addresses this walk is for. Walks and address lookups are
   * cached per stack, so one only ever waits on others with a longer stack: two lookups that need
   * each other's name servers (glueless zones whose servers are in each other) cannot wait on
   * each other forever. Their queries are cached all the same.
   */
  walk(name: string, type: RecordType = 'SOA', stack: readonly string[] = []): Promise<WalkResult> {
    return memo(this.walks, `${canonical(name)}|${type}|${stack.join(' ')}`, () =>
      this.doWalk(canonical(name), type, stack),
    );
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
      const r = await this.race(servers, zone, name, type);
      if (Array.isArray(r)) return failure(zone, name, r, startedAtRoot && step === 0);
      const { reply } = r;
      if (reply.aa) {
        const soa = [...reply.authorities, ...reply.answers].find(
          (rr) => rr.type === 'SOA' && isSubdomain(name, rr.name),
        );
        const apex = soa?.name ?? zone;
        return { ok: true, apex, servers, reply };
      }
      const ns = referral(reply, zone, name);
      const child = ns[0]!.name;
      const nsNames = [...new Set(ns.filter((rr) => rr.name === child).map((rr) => rr.value))].sort();
      const glue: Record<string, string[]> = {};
      for (const n of nsNames) {
        const g = reply.additionals.filter((rr) => rr.name === n && (rr.type === 'A' || rr.type === 'AAAA'));
        if (g.length > 0) glue[n] = [...new Set(g.map((rr) => rr.value))].sort();
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
      const addrs = [...new Set(next.flat())].sort();
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
    const inner = [...stack, key];
    return memo(this.addressCache, `${key}|${stack.join(' ')}`, () =>
      Promise.all([this.resolve(key, 'A', inner), this.resolve(key, 'AAAA', inner)]).then(([a, b]) => [
        ...a.values,
        ...b.values,
      ]),
    );
  }

  /**
   * The values of name/type as every server of its zone gives them (the union of the
   * authoritative answers, so the result does not depend on which server answers first; CNAMEs
   * followed).
   */
  async resolve(
    name: string,
    type: RecordType,
    stack: readonly string[] = [],
    seen: string[] = [],
  ): Promise<{ values: string[]; chain: string[] }> {
    const w = await this.walk(name, type, stack);
    if (!w.ok) return { values: [], chain: [] };
    const outcomes = await Promise.all(w.servers.map((s) => this.query(s, name, type)));
    const replies = outcomes
      .filter((o) => usable(o, w.apex, name) === true && o.reply!.aa)
      .map((o) => followChain(o.reply!, name, type));
    const values = [...new Set(replies.flatMap((c) => c.values))].sort();
    const chain = replies.map((c) => c.chain).sort((a, b) => b.length - a.length)[0] ?? [];
    if (values.length > 0 || chain.length === 0 || replies.some((c) => c.loop)) return { values, chain };
    const next = chain[chain.length - 1]!;
    if ([name, ...seen].includes(next) || seen.length > 8) return { values: [], chain };
    const more = await this.resolve(next, type, stack, [...seen, name, ...chain]);
    return { values: more.values, chain: [...chain, ...more.chain] };
  }
}
