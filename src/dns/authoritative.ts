import { isIPv6 } from 'node:net';
import type { QueryOutcome, Server } from './client.js';
import { RCODE, type RecordType, type Reply } from './message.js';
import { canonical, isSubdomain } from './names.js';
import { followChain, outcomeState, type Walker, type WalkResult } from './resolver.js';
import type { RecordState, ServerAnswer, ZoneServer, ZoneView } from './types.js';

/**
 * The authoritative view: a name's zone, the delegation at the parent, every address of every
 * name server (parent's and zone's NS sets), each probed with recursion off; then a record asked
 * of every one of those addresses at once. CNAMEs are followed across zones, loops detected.
 */

export type ZoneLookup =
  | { ok: true; zone: ZoneView }
  | { ok: false; failure: Extract<WalkResult, { ok: false }> };

export interface RecordLookup {
  zone?: ZoneView;
  answers: ServerAnswer[];
  /** Set when the zone itself could not be found (the walk failed). */
  failure?: Extract<WalkResult, { ok: false }>;
}

export class AuthoritativeView {
  private readonly zones = new Map<string, Promise<ZoneView>>();
  private readonly lookups = new Map<string, Promise<RecordLookup>>();
  private readonly glueMismatch = new Map<string, ZoneView['glueMismatch']>();

  constructor(readonly walker: Walker) {}

  async zoneOf(name: string): Promise<ZoneLookup> {
    const w = await this.walker.walk(name, 'SOA');
    if (!w.ok) return { ok: false, failure: w };
    return { ok: true, zone: await this.zone(w.apex, w.servers) };
  }

  private zone(apex: string, answering: Server[]): Promise<ZoneView> {
    let p = this.zones.get(apex);
    if (!p) {
      p = this.buildZone(apex, answering);
      this.zones.set(apex, p);
    }
    return p;
  }

  private async probeAll(names: string[], apex: string): Promise<{ server: ZoneServer; ns: string[] }[]> {
    const glue = this.walker.delegations.get(apex)?.glue ?? {};
    // Addresses by our own authoritative lookups; the parent's glue only when those find none.
    const perName = await Promise.all(
      names.map(async (ns) => {
        const own = await this.walker.addresses(ns);
        const g = glue[ns];
        // Per address family: glue without AAAA is common and harmless; different glue is not.
        const differs = (v6: boolean) => {
          const gf = (g ?? []).filter((a) => isIPv6(a) === v6).sort();
          const of = own.filter((a) => isIPv6(a) === v6).sort();
          return gf.length > 0 && gf.join() !== of.join();
        };
        if (g && own.length > 0 && (differs(false) || differs(true))) {
          this.glueMismatch.set(apex, [...(this.glueMismatch.get(apex) ?? []), { ns, glue: g, actual: own }]);
        }
        return { ns, addrs: own.length > 0 ? own : (g ?? []) };
      }),
    );
    type Probe = { server: ZoneServer; ns: string[] };
    const probes = perName.flatMap(({ ns, addrs }): Promise<Probe>[] =>
      addrs.length === 0
        ? [
            Promise.resolve<Probe>({
              server: {
                ns,
                address: '-',
                port: 0,
                inParent: false,
                inChild: false,
                state: 'lame',
                ms: 0,
                detail: `name server ${ns} has no A or AAAA record`,
              },
              ns: [],
            }),
          ]
        : addrs.map((address) => this.probe(ns, { address, port: this.walker.settings.authPort }, apex)),
    );
    return Promise.all(probes);
  }

  private async probe(
    ns: string,
    server: Server,
    apex: string,
  ): Promise<{ server: ZoneServer; ns: string[] }> {
    const [soa, nsq] = await Promise.all([
      this.walker.query(server, apex, 'SOA'),
      this.walker.query(server, apex, 'NS'),
    ]);
    const base = {
      ns,
      address: server.address,
      port: server.port,
      inParent: false,
      inChild: false,
      ms: soa.ms,
    };
    const judged = judgeServer(soa, apex);
    const soaRr = soa.reply?.answers.find((a) => a.type === 'SOA' && a.name === apex);
    if (judged.state === 'ok' && soaRr?.soa && !this.negativeTtls.has(apex)) {
      this.negativeTtls.set(apex, Math.min(soaRr.ttl, soaRr.soa.minimum));
    }
    const nsNames =
      nsq.state === 'reply' && nsq.reply?.aa && nsq.reply.rcode === RCODE.NOERROR
        ? nsq.reply.answers.filter((rr) => rr.type === 'NS' && rr.name === apex).map((rr) => rr.value)
        : [];
    return { server: { ...base, ...judged }, ns: nsNames };
  }

  private async buildZone(apex: string, answering: Server[]): Promise<ZoneView> {
    const delegation = this.walker.delegations.get(apex);
    const parentNs = delegation?.nsNames ?? [];
    let probes: { server: ZoneServer; ns: string[] }[];
    if (parentNs.length > 0) {
      probes = await this.probeAll(parentNs, apex);
    } else {
      // The walk started at this zone's own servers (they are the configured roots).
      probes = await Promise.all(answering.map((s) => this.probe(s.address, s, apex)));
    }
    const childNs = [...new Set(probes.flatMap((p) => p.ns))].sort();
    const extra = childNs.filter((n) => !parentNs.includes(n) && !probes.some((p) => p.server.ns === n));
    if (parentNs.length > 0 && extra.length > 0) probes = [...probes, ...(await this.probeAll(extra, apex))];
    const servers = probes.map(({ server }) => ({
      ...server,
      inParent: parentNs.includes(server.ns),
      inChild: childNs.includes(server.ns),
    }));
    const okSoa = servers.filter((s) => s.state === 'ok' && s.serial !== undefined);
    const serials = [...new Set(okSoa.map((s) => s.serial!))].sort((a, b) => a - b);
    const negativeTtl = this.negativeTtls.get(apex);
    return {
      apex,
      ...(delegation ? { parent: delegation.parentZone } : {}),
      parentNs,
      childNs,
      nsMismatch: parentNs.length > 0 && childNs.length > 0 && !sameSet(parentNs, childNs),
      servers,
      serials,
      glueMismatch: this.glueMismatch.get(apex) ?? [],
      ...(negativeTtl === undefined ? {} : { negativeTtl }),
    };
  }

  /** apex -> min(SOA TTL, SOA minimum), learnt from SOA probes. */
  private readonly negativeTtls = new Map<string, number>();

  /** Ask every server of the name's zone for name/type. */
  lookup(name: string, type: RecordType, visited: readonly string[] = []): Promise<RecordLookup> {
    const key = `${canonical(name)}|${type}`;
    let p = this.lookups.get(key);
    if (!p) {
      p = this.doLookup(canonical(name), type, visited);
      this.lookups.set(key, p);
    }
    return p;
  }

  private async doLookup(name: string, type: RecordType, visited: readonly string[]): Promise<RecordLookup> {
    const z = await this.zoneOf(name);
    if (!z.ok) return { answers: [], failure: z.failure };
    const zone = z.zone;
    const answers = await Promise.all(
      zone.servers.map(async (s): Promise<ServerAnswer> => {
        if (s.state !== 'ok') {
          return {
            server: s.ns,
            address: s.address,
            state: s.state,
            values: [],
            chain: [],
            ms: 0,
            detail: `not asked: ${s.detail ?? s.state}`,
          };
        }
        const o = await this.walker.query({ address: s.address, port: s.port }, name, type);
        return this.interpret(s.ns, s.address, o, name, type, zone, visited);
      }),
    );
    return { zone, answers };
  }

  private async interpret(
    server: string,
    address: string,
    o: QueryOutcome,
    name: string,
    type: RecordType,
    zone: ZoneView,
    visited: readonly string[],
  ): Promise<ServerAnswer> {
    const base = { server, address, ms: Math.round(o.ms), values: [] as string[], chain: [] as string[] };
    const st = outcomeState(o);
    if (st !== 'ok') return { ...base, state: st, ...(o.detail ? { detail: o.detail } : {}) };
    const reply = o.reply!;
    if (!reply.aa) return { ...base, state: 'lame', detail: 'answer is not authoritative (AA not set)' };
    const c = followChain(reply, name, type);
    const neg = negativeTtl(reply);
    if (c.loop) {
      return {
        ...base,
        chain: c.chain,
        state: 'cname-loop',
        detail: `CNAME loop: ${[name, ...c.chain].join(' -> ')}`,
      };
    }
    if (c.values.length > 0) {
      return {
        ...base,
        state: 'ok',
        values: c.values,
        chain: c.chain,
        ...(c.ttl === undefined ? {} : { ttl: c.ttl }),
      };
    }
    const leavesZone = c.chain.length > 0 && !isSubdomain(c.end, zone.apex);
    if (leavesZone) {
      const seen = [...visited, name, ...c.chain.slice(0, -1)];
      if (seen.includes(c.end)) {
        return {
          ...base,
          chain: c.chain,
          state: 'cname-loop',
          detail: `CNAME loop across zones: ${[...visited, name, ...c.chain].join(' -> ')}`,
        };
      }
      const next = await this.consensus(c.end, type, seen);
      return {
        ...base,
        state: next.state,
        values: next.values,
        chain: [...c.chain, ...next.chain],
        ...(c.ttl === undefined ? {} : { ttl: c.ttl }),
        ...(next.detail ? { detail: next.detail } : {}),
      };
    }
    const missing = c.chain.length > 0 ? `CNAME target ${c.end} ` : '';
    if (reply.rcode === RCODE.NXDOMAIN) {
      return {
        ...base,
        chain: c.chain,
        state: 'nxdomain',
        ...(neg === undefined ? {} : { ttl: neg }),
        detail: `${missing || 'the name '}does not exist`,
      };
    }
    return {
      ...base,
      chain: c.chain,
      state: 'nodata',
      ...(neg === undefined ? {} : { ttl: neg }),
      detail: `${missing || 'the name '}exists but has no ${type} record`,
    };
  }

  /** The value of a CNAME target as all servers of its zone give it. */
  private async consensus(
    name: string,
    type: RecordType,
    visited: readonly string[],
  ): Promise<{ state: RecordState; values: string[]; chain: string[]; detail?: string }> {
    const r = await this.lookup(name, type, visited);
    if (r.failure) return { state: r.failure.state, values: [], chain: [], detail: r.failure.detail };
    const usable = r.answers.filter((a) => a.state !== 'unreachable');
    const first = usable[0];
    if (!first)
      return { state: 'timeout', values: [], chain: [], detail: `no server of ${name}'s zone answered` };
    const agree = usable.every((a) => a.state === first.state && a.values.join() === first.values.join());
    if (agree)
      return {
        state: first.state,
        values: first.values,
        chain: first.chain,
        ...(first.detail ? { detail: first.detail } : {}),
      };
    const states = [...new Set(usable.map((a) => a.state))];
    return {
      state:
        states.includes('ok') && states.length === 1 ? 'wrong' : (states.find((s) => s !== 'ok') ?? 'wrong'),
      values: [...new Set(usable.flatMap((a) => a.values))].sort(),
      chain: first.chain,
      detail: `the servers of ${r.zone?.apex ?? name} disagree about ${name}`,
    };
  }
}

function judgeServer(soa: QueryOutcome, apex: string): Pick<ZoneServer, 'state' | 'serial' | 'detail'> {
  const st = outcomeState(soa);
  if (st === 'refused')
    return { state: 'refused', detail: `answers REFUSED for ${apex}: it does not serve the zone (lame)` };
  if (st !== 'ok') return { state: st, ...(soa.detail ? { detail: soa.detail } : {}) };
  const reply = soa.reply!;
  if (!reply.aa) return { state: 'lame', detail: `not authoritative for ${apex} (AA not set)` };
  const rr = reply.answers.find((a) => a.type === 'SOA' && a.name === apex);
  if (!rr?.soa) return { state: 'lame', detail: `no SOA for ${apex} in its answer` };
  return { state: 'ok', serial: rr.soa.serial };
}

/** Negative-caching TTL of a reply (RFC 2308): min(SOA TTL, SOA minimum) of the authority SOA. */
export function negativeTtl(reply: Reply): number | undefined {
  const soa = reply.authorities.find((rr) => rr.type === 'SOA');
  return soa?.soa ? Math.min(soa.ttl, soa.soa.minimum) : undefined;
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
