import { readAnswer } from './answer.js';
import type { QueryOutcome, Server } from './client.js';
import { memo } from './memo.js';
import type { RecordType } from './message.js';
import { canonical, isSubdomain } from './names.js';
import type { Walker, WalkResult } from './resolver.js';
import type { RecordState, ServerAnswer, ZoneView } from './types.js';
import { buildZone, toServer } from './zone.js';

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

  constructor(readonly walker: Walker) {}

  async zoneOf(name: string): Promise<ZoneLookup> {
    const w = await this.walker.walk(name, 'SOA');
    if (!w.ok) return { ok: false, failure: w };
    return { ok: true, zone: await this.zone(w.apex, w.servers) };
  }

  private zone(apex: string, answering: Server[]): Promise<ZoneView> {
    return memo(this.zones, apex, () => buildZone(this.walker, apex, answering));
  }

  /** Ask every server of the name's zone for name/type. */
  lookup(name: string, type: RecordType): Promise<RecordLookup> {
    return this.lookupVia(canonical(name), type, []);
  }

  /**
   * Cached per CNAME path (`visited`), so a lookup only ever waits on lookups with a longer path:
   * two checked names in a CNAME loop across zones cannot wait on each other forever. The servers
   * of one zone following the same CNAME share one lookup of its target.
   */
  private lookupVia(name: string, type: RecordType, visited: readonly string[]): Promise<RecordLookup> {
    return memo(this.lookups, `${name}|${type}|${visited.join(' ')}`, () =>
      this.doLookup(name, type, visited),
    );
  }

  private async doLookup(name: string, type: RecordType, visited: readonly string[]): Promise<RecordLookup> {
    const z = await this.zoneOf(name);
    if (!z.ok) return { answers: [], failure: z.failure };
    const zone = z.zone;
    const answers = await Promise.all(
      zone.servers.map(async (s): Promise<ServerAnswer> => {
        const glueOnly = s.glueOnly ? { glueOnly: true } : {};
        if (s.state !== 'ok') {
          // The server failed the zone probe: one zone finding says so; its rows say why.
          return {
            server: s.ns,
            address: s.address,
            state: s.state,
            values: [],
            chain: [],
            ms: s.ms,
            detail: `not asked: ${s.detail ?? s.state}`,
            notAsked: true,
            ...glueOnly,
          };
        }
        const o = await this.walker.query(toServer(s), name, type);
        return { ...(await this.interpret(s.ns, s.address, o, name, type, zone, visited)), ...glueOnly };
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
    const read = readAnswer(server, address, o, name, type, {
      authoritative: true,
      loopDetail: 'CNAME loop',
    });
    if ('settled' in read) return read.settled;
    const { base, chain: c } = read;
    const leavesZone = c.chain.length > 0 && !isSubdomain(c.end, zone.apex);
    if (leavesZone) {
      const seen = [...visited, name, ...c.chain.slice(0, -1)];
      if (seen.includes(c.end)) {
        const loop = [...visited, name, ...c.chain];
        return {
          ...base,
          chain: loop.slice(loop.indexOf(name) + 1),
          state: 'cname-loop',
          detail: 'CNAME loop across zones',
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
    const missing = c.chain.length > 0 ? `CNAME target ${c.end} ` : 'the name ';
    return read.negative({
      nxdomain: `${missing}does not exist`,
      nodata: `${missing}exists but has no ${type} record`,
    });
  }

  /** The value of a CNAME target as all servers of its zone give it. */
  private async consensus(
    name: string,
    type: RecordType,
    visited: readonly string[],
  ): Promise<{ state: RecordState; values: string[]; chain: string[]; detail?: string }> {
    const r = await this.lookupVia(canonical(name), type, visited);
    if (r.failure) return { state: r.failure.state, values: [], chain: [], detail: r.failure.detail };
    const usable = r.answers.filter((a) => a.state !== 'unreachable' && !a.notAsked);
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
