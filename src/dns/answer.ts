import { type Chain, followChain, negativeTtl, outcomeState } from './chain.js';
import type { QueryOutcome } from './client.js';
import { RCODE, type RecordType, type Reply } from './message.js';
import type { ServerAnswer } from './types.js';

/**
 * One server's answer for name/type read the same way by both views: a failed query, a CNAME
 * loop or values settle it; otherwise the caller gets the reply's chain to follow on and
 * `negative` to build the NXDOMAIN/NODATA answer. The authoritative view also requires AA.
 */

export type AnswerBase = Pick<ServerAnswer, 'server' | 'address' | 'ms' | 'values' | 'chain'>;

export type Reading =
  | { settled: ServerAnswer }
  | {
      base: AnswerBase;
      reply: Reply;
      chain: Chain;
      negative: (detail?: { nxdomain: string; nodata: string }) => ServerAnswer;
    };

export function readAnswer(
  server: string,
  address: string,
  o: QueryOutcome,
  name: string,
  type: RecordType,
  view: { authoritative: boolean; loopDetail?: string },
): Reading {
  const base: AnswerBase = { server, address, ms: Math.round(o.ms), values: [], chain: [] };
  const st = outcomeState(o);
  if (st !== 'ok') return { settled: { ...base, state: st, ...(o.detail ? { detail: o.detail } : {}) } };
  const reply = o.reply!;
  if (view.authoritative && !reply.aa)
    return { settled: { ...base, state: 'lame', detail: 'answer is not authoritative (AA not set)' } };
  const c = followChain(reply, name, type);
  if (c.loop)
    return {
      settled: {
        ...base,
        chain: c.chain,
        state: 'cname-loop',
        ...(view.loopDetail ? { detail: view.loopDetail } : {}),
      },
    };
  if (c.values.length > 0) {
    return {
      settled: {
        ...base,
        state: 'ok',
        values: c.values,
        chain: c.chain,
        ...(c.ttl === undefined ? {} : { ttl: c.ttl }),
      },
    };
  }
  const negative = (detail?: { nxdomain: string; nodata: string }): ServerAnswer => {
    const neg = negativeTtl(reply);
    const nx = reply.rcode === RCODE.NXDOMAIN;
    const why = detail ? { detail: nx ? detail.nxdomain : detail.nodata } : {};
    return {
      ...base,
      chain: c.chain,
      state: nx ? 'nxdomain' : 'nodata',
      ...(neg === undefined ? {} : { ttl: neg }),
      ...why,
    };
  };
  return { base, reply, chain: c, negative };
}
