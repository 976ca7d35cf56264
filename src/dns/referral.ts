import { outcomeState } from './chain.js';
import type { QueryOutcome, Server } from './client.js';
import { RCODE, type Reply } from './message.js';
import { isSubdomain, labelCount } from './names.js';
import type { WalkFailure } from './resolver.js';

/**
 * One step of the walk: is a reply progress (an authoritative answer, or a referral further
 * down), or is the server lame (it refers the zone back to itself, or answers without authority)?
 * And when no server of a zone gave progress: why, server by server, in a fixed order.
 */

export /** A server passed over during a race, and why. */
interface Unusable {
  server: Server;
  outcome: QueryOutcome;
  /** Set when it replied, but neither with authority nor with a referral further down. */
  lame?: string;
}

/** The NS records of a referral strictly below `zone` that cover `name`. */
export function referral(reply: Reply, zone: string, name: string) {
  return reply.authorities.filter(
    (rr) => rr.type === 'NS' && isSubdomain(name, rr.name) && labelCount(rr.name) > labelCount(zone),
  );
}

/**
 * true: the reply makes progress (authoritative, or a referral below `zone`). A string: it
 * replied, but lamely (why). undefined: no usable reply at all (timeout, SERVFAIL, ...).
 */
export function usable(o: QueryOutcome, zone: string, name: string): true | string | undefined {
  if (o.state !== 'reply' || !o.reply) return undefined;
  const rc = o.reply.rcode;
  if (rc !== RCODE.NOERROR && rc !== RCODE.NXDOMAIN) return undefined;
  if (o.reply.aa || referral(o.reply, zone, name).length > 0) return true;
  const self = o.reply.authorities.find((rr) => rr.type === 'NS' && isSubdomain(zone, rr.name));
  return self
    ? `answers with a referral to ${self.name === '' ? 'the root' : self.name} instead of an authoritative answer (it does not serve ${zone === '.' ? 'the root' : zone}: lame)`
    : `answers without authority and without a referral${o.reply.ra ? ' (like a recursive resolver)' : ''} (lame)`;
}

export function failure(zone: string, name: string, failed: Unusable[], firstRootStep: boolean): WalkFailure {
  const where = zone === '.' ? 'the root' : zone;
  if (firstRootStep && failed.length > 0 && failed.every((f) => f.lame && !f.lame.includes('referral to'))) {
    // The configured roots answer like a resolver: DNS is intercepted on this network.
    const ra = failed.some((f) => f.outcome.reply?.ra);
    return {
      ok: false,
      zone,
      atRoot: true,
      state: 'lame',
      detail: `the root servers answered ${name} without authority and without a referral${ra ? ' (as a recursive resolver would)' : ''}: something on this network intercepts DNS on port 53, so the authoritative servers cannot be asked directly`,
    };
  }
  const states = failed.map((f) => (f.lame ? 'lame' : outcomeState(f.outcome)));
  const order = ['servfail', 'refused', 'malformed', 'lame', 'timeout', 'unreachable'] as const;
  const state = order.find((s) => states.includes(s)) ?? 'error';
  const each = failed.map(
    (f, i) =>
      `${f.server.address}: ${f.lame ?? `${states[i]}${f.outcome.detail ? ` (${f.outcome.detail})` : ''}`}`,
  );
  return {
    ok: false,
    zone,
    atRoot: firstRootStep && states.every((s) => s === 'timeout' || s === 'unreachable'),
    state,
    detail: `no server of ${where} gave a usable answer for ${name}${each.length ? `: ${each.join('; ')}` : ' (no servers)'}`,
  };
}
