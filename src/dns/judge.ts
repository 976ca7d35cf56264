import type { RecordLookup } from './authoritative.js';
import { toAsciiName } from './names.js';
import type { ExpectedRecord } from './records.js';
import { type RecordReport, type RecordState, type ServerAnswer, worst, type ZoneView } from './types.js';

/** Judging answers against the expected records: per server, per record, and convergence. */

/** Normalise what a server holds so it compares with the expected values. */
function comparable(r: Pick<RecordReport, 'type'>, values: string[]): string[] {
  if (r.type !== 'SRV') return [...values].sort();
  return [
    ...new Set(
      values.map((v) => {
        const [, , port, target] = v.split(' ');
        return `${target}:${port}`;
      }),
    ),
  ].sort();
}

export function compare(a: ServerAnswer, r: RecordReport): ServerAnswer {
  if (a.state !== 'ok') return a;
  const got = comparable(r, a.values);
  const want = [...r.expected].sort();
  if (got.join() !== want.join()) {
    return { ...a, state: 'wrong', detail: `has ${got.join(', ')}; expected ${want.join(', ')}` };
  }
  if (!r.cnameAllowed && a.chain.length > 0) {
    return {
      ...a,
      state: 'wrong',
      detail: `is a CNAME to ${a.chain[0]}; it must be a plain ${r.type} record`,
    };
  }
  return a;
}

export function judgeRecord(e: ExpectedRecord, l: RecordLookup): RecordReport {
  const base: RecordReport = {
    name: toAsciiName(e.name),
    type: e.type,
    expected: e.values,
    required: e.required,
    deprecated: e.deprecated ?? false,
    cnameAllowed: e.cnameAllowed,
    purpose: e.purpose,
    ...(l.zone ? { zone: l.zone.apex } : {}),
    state: 'error',
    authoritative: [],
    public: [],
  };
  if (l.failure) return { ...base, state: l.failure.state };
  const authoritative = l.answers.map((a) => compare(a, base));
  return { ...base, authoritative, state: overall(authoritative) };
}

/**
 * All servers that serve the zone must agree on the right value. An address we cannot route to
 * (no IPv6 here) does not count; neither does a server that failed the zone probe (lame, dead):
 * that is one zone finding, and the other servers still decide. When no server is left, the
 * record takes the worst of their states.
 */
function overall(answers: ServerAnswer[]): RecordState {
  if (answers.length === 0) return 'error';
  const counted = answers.filter((a) => a.state !== 'unreachable' && !a.notAsked).map((a) => a.state);
  if (counted.length === 0) {
    const failed = answers.filter((a) => a.notAsked).map((a) => a.state);
    return failed.length > 0 ? worst(failed) : 'unreachable';
  }
  return counted.every((s) => s === 'ok') ? 'ok' : worst(counted);
}

/** When the public resolvers that still disagree should have forgotten what they cached. */
export function convergence(r: RecordReport, zone: ZoneView | undefined, now: Date): string | undefined {
  let latest = 0;
  for (const a of r.public) {
    if (a.state === 'wrong' || a.state === 'nxdomain' || a.state === 'nodata') {
      const ttl = a.ttl ?? zone?.negativeTtl ?? 0;
      latest = Math.max(latest, ttl);
    }
  }
  return latest > 0 ? new Date(now.getTime() + latest * 1000).toISOString() : undefined;
}
