import { isIPv6 } from 'node:net';
import { followChain, outcomeState } from './chain.js';
import type { QueryOutcome, Server } from './client.js';
import { RCODE } from './message.js';
import { isSubdomain } from './names.js';
import type { Walker } from './resolver.js';
import type { ZoneServer, ZoneView } from './types.js';

/**
 * The view of one zone: the delegation at the parent, and every address of every name server
 * (the parent's NS set and the zone's own), each probed with recursion off for SOA and NS.
 *
 * Addresses come from both sides: the parent's glue (what resolvers follow first) and the zone's
 * own A/AAAA records (as the servers holding the newest serial give them). Every one of them is
 * probed, so a stale glue address that leads to a live old server is seen, whatever order the
 * servers answer in.
 */

interface Probe {
  server: ZoneServer;
  ns: string[];
  negativeTtl?: number;
}

export async function buildZone(walker: Walker, apex: string, answering: Server[]): Promise<ZoneView> {
  const delegation = walker.delegations.get(apex);
  const parentNs = delegation?.nsNames ?? [];
  const glue = delegation?.glue ?? {};
  const port = walker.settings.authPort;
  let probes: Probe[];
  let childNs: string[];
  const own = new Map<string, string[]>();
  if (parentNs.length === 0) {
    // The walk started at this zone's own servers (they are the configured roots).
    probes = await Promise.all(answering.map((s) => probe(walker, s.address, s, apex)));
    childNs = [...new Set(probes.flatMap((p) => p.ns))].sort();
  } else {
    // Wave 1: the glue, and the addresses of name servers outside the zone.
    const outside = async (ns: string) => {
      if (!own.has(ns)) own.set(ns, isSubdomain(ns, apex) ? [] : await walker.addresses(ns));
    };
    await Promise.all(parentNs.map(outside));
    const first = new Map<string, Set<string>>();
    for (const ns of parentNs) first.set(ns, new Set([...(glue[ns] ?? []), ...(own.get(ns) ?? [])]));
    probes = await probeEach(walker, first, apex, port, false);
    // The servers holding the newest copy say what the zone's NS set and in-zone addresses are.
    const top = newest(probes);
    childNs = [...new Set(top.flatMap((p) => p.ns))].sort();
    const names = [...new Set([...parentNs, ...childNs])];
    await Promise.all(names.map(outside));
    await Promise.all(
      names
        .filter((ns) => isSubdomain(ns, apex))
        .map(async (ns) => own.set(ns, await inZoneAddresses(walker, top, ns))),
    );
    // Wave 2: addresses the zone gives that the glue did not.
    const second = new Map<string, Set<string>>();
    for (const ns of names) {
      const have = new Set(probes.filter((p) => p.server.ns === ns).map((p) => p.server.address));
      const missing = (own.get(ns) ?? []).filter((a) => !have.has(a));
      if (missing.length > 0 || have.size === 0) second.set(ns, new Set(missing));
    }
    // A name server with no address from either side gets a placeholder row (said as such).
    probes = [...probes, ...(await probeEach(walker, second, apex, port, true))];
  }
  const servers = probes
    .map(({ server }) => {
      const mine = own.get(server.ns) ?? [];
      const glueOnly =
        mine.length > 0 && (glue[server.ns] ?? []).includes(server.address) && !mine.includes(server.address);
      return {
        ...server,
        inParent: parentNs.includes(server.ns),
        inChild: childNs.includes(server.ns),
        ...(glueOnly ? { glueOnly: true } : {}),
      };
    })
    .sort((a, b) => byText(a.ns, b.ns) || byText(a.address, b.address));
  const okSoa = servers.filter((s) => s.state === 'ok' && s.serial !== undefined);
  const serials = [...new Set(okSoa.map((s) => s.serial!))].sort((a, b) => a - b);
  const negativeTtl = newest(probes).find((p) => p.negativeTtl !== undefined)?.negativeTtl;
  const glueMismatch: ZoneView['glueMismatch'] = [];
  for (const ns of parentNs) {
    const g = glue[ns];
    const actual = own.get(ns) ?? [];
    if (!g || actual.length === 0) continue;
    // Per address family: glue without AAAA is common and harmless; different glue is not.
    const differs = (v6: boolean) => {
      const gf = g.filter((a) => isIPv6(a) === v6).sort();
      const of = actual.filter((a) => isIPv6(a) === v6).sort();
      return gf.length > 0 && gf.join() !== of.join();
    };
    if (differs(false) || differs(true)) glueMismatch.push({ ns, glue: g, actual: [...actual].sort() });
  }
  return {
    apex,
    ...(delegation ? { parent: delegation.parentZone } : {}),
    parentNs,
    childNs,
    nsMismatch: parentNs.length > 0 && childNs.length > 0 && !sameSet(parentNs, childNs),
    servers,
    serials,
    glueMismatch,
    ...(negativeTtl === undefined ? {} : { negativeTtl }),
  };
}

/** The servers that answered with the highest serial (sorted, so the choice is stable). */
function newest(probes: Probe[]): Probe[] {
  const ok = probes.filter((p) => p.server.state === 'ok' && p.server.serial !== undefined);
  const top = Math.max(...ok.map((p) => p.server.serial!));
  return ok.filter((p) => p.server.serial === top).sort((a, b) => byText(a.server.address, b.server.address));
}

/**
 * A name server's addresses inside the zone, as the newest servers give them: the first of them
 * (in a fixed order) when it answers, else the union of all of them. Servers at the same serial
 * hold the same zone; asking one keeps a check with many servers cheap.
 */
async function inZoneAddresses(walker: Walker, top: Probe[], ns: string): Promise<string[]> {
  const ask = async (p: Probe) => {
    const found = await Promise.all(
      (['A', 'AAAA'] as const).map(async (type) => {
        const o = await walker.query(toServer(p.server), ns, type);
        return o.state === 'reply' && o.reply?.aa ? followChain(o.reply, ns, type).values : undefined;
      }),
    );
    return found.every((f) => f !== undefined) ? found.flat() : undefined;
  };
  const first = top[0] ? await ask(top[0]) : undefined;
  const all = first ? [first] : await Promise.all(top.map(ask));
  return [...new Set(all.flatMap((x) => x ?? []))].sort();
}

export function toServer(s: Pick<ZoneServer, 'address' | 'port' | 'udpBlocked'>): Server {
  return { address: s.address, port: s.port, ...(s.udpBlocked ? { tcp: true } : {}) };
}

function probeEach(
  walker: Walker,
  addrs: Map<string, Set<string>>,
  apex: string,
  port: number,
  placeholders: boolean,
) {
  const out: Promise<Probe>[] = [];
  for (const [ns, set] of addrs) {
    if (set.size === 0 && placeholders) {
      out.push(
        Promise.resolve({
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
      );
    }
    for (const address of set) out.push(probe(walker, ns, { address, port }, apex));
  }
  return Promise.all(out);
}

async function probe(walker: Walker, ns: string, server: Server, apex: string): Promise<Probe> {
  const [soa, nsq] = await Promise.all([walker.query(server, apex, 'SOA'), walker.query(server, apex, 'NS')]);
  const judged = judgeServer(soa, apex);
  const soaRr = soa.reply?.answers.find((a) => a.type === 'SOA' && a.name === apex);
  const nsNames =
    nsq.state === 'reply' && nsq.reply?.aa && nsq.reply.rcode === RCODE.NOERROR
      ? nsq.reply.answers.filter((rr) => rr.type === 'NS' && rr.name === apex).map((rr) => rr.value)
      : [];
  return {
    server: {
      ns,
      address: server.address,
      port: server.port,
      inParent: false,
      inChild: false,
      ms: Math.round(soa.ms),
      ...judged,
      ...(soa.udpFailed && judged.state === 'ok' ? { udpBlocked: soa.udpFailed } : {}),
    },
    ns: nsNames,
    ...(judged.state === 'ok' && soaRr?.soa ? { negativeTtl: Math.min(soaRr.ttl, soaRr.soa.minimum) } : {}),
  };
}

function judgeServer(soa: QueryOutcome, apex: string): Pick<ZoneServer, 'state' | 'serial' | 'detail'> {
  const st = outcomeState(soa);
  if (st === 'refused') return { state: 'refused', detail: 'answers REFUSED: it does not serve the zone' };
  if (st !== 'ok') return { state: st, ...(soa.detail ? { detail: soa.detail } : {}) };
  const reply = soa.reply!;
  if (!reply.aa) {
    const self = reply.authorities.find((rr) => rr.type === 'NS' && isSubdomain(apex, rr.name));
    return {
      state: 'lame',
      detail: self
        ? `answers with a referral to ${self.name || 'the root'} instead of authoritatively: it does not serve the zone`
        : 'answers without authority (AA not set): it does not serve the zone',
    };
  }
  const rr = reply.answers.find((a) => a.type === 'SOA' && a.name === apex);
  if (!rr?.soa) return { state: 'lame', detail: `no SOA for ${apex} in its answer` };
  return { state: 'ok', serial: rr.soa.serial };
}

/** Plain code-unit order: stable across locales. */
export function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
