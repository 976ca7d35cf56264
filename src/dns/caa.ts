import type { AuthoritativeView } from './authoritative.js';
import { labelCount, parentName } from './names.js';
import type { Finding, ServerAnswer } from './types.js';

/**
 * CAA as a CA evaluates it (RFC 8659), for what the deployment uses: Let's Encrypt, HTTP-01
 * challenge on port 80, and a new ACME account created on the server.
 *
 * The relevant record set of a name X is CAA(X) as resolution returns it (so a CNAME at X is
 * followed: the set at its target applies to X), or else that of X's parent, climbing until a
 * non-empty set is found. Our certificates are for single names, so `issue` applies and
 * `issuewild` does not. An `issue` property authorises Let's Encrypt when its issuer is
 * letsencrypt.org and its parameters allow the request: `validationmethods` must include
 * http-01; `accounturi` binds issuance to one existing account, which the server's new account
 * is not. An unknown property with the critical flag forbids issuance.
 */

export interface CaaProperty {
  flags: number;
  tag: string;
  value: string;
}

export interface Deployment {
  issuer: string;
  method: string;
}

export const LETS_ENCRYPT: Deployment = { issuer: 'letsencrypt.org', method: 'http-01' };
const KNOWN_TAGS = ['issue', 'issuewild', 'iodef', 'contactemail', 'contactphone'];

/** `0 issue "letsencrypt.org; validationmethods=http-01"` as the checker renders CAA records. */
export function parseCaa(text: string): CaaProperty | undefined {
  const m = /^(\d+) (\S+) "(.*)"$/s.exec(text);
  return m ? { flags: Number(m[1]), tag: m[2]!.toLowerCase(), value: m[3]! } : undefined;
}

export type CaaVerdict = { allowed: true } | { allowed: false; reason: string; fix: string };

/** Would the CA issue a certificate for a single (non-wildcard) name under this relevant set? */
export function evaluateCaa(set: CaaProperty[], at: string, ca: Deployment = LETS_ENCRYPT): CaaVerdict {
  const critical = set.find((p) => p.flags & 128 && !KNOWN_TAGS.includes(p.tag));
  if (critical) {
    return {
      allowed: false,
      reason: `it has the property "${critical.tag}" marked critical, which CAs do not know, so they must refuse`,
      fix: `remove the critical flag (128) from the ${critical.tag} record at ${at}, or the record`,
    };
  }
  const issue = set.filter((p) => p.tag === 'issue');
  if (issue.length === 0) return { allowed: true };
  const blocked: string[] = [];
  for (const p of issue) {
    const [issuer = '', ...params] = p.value.split(';').map((x) => x.trim());
    if (issuer.toLowerCase() !== ca.issuer) continue;
    const kv = new Map(
      params
        .filter(Boolean)
        .map((x) => x.split('=').map((y) => y.trim()) as [string, string?])
        .map(([k, v]) => [k.toLowerCase(), v ?? '']),
    );
    const methods = kv.get('validationmethods');
    if (
      methods !== undefined &&
      !methods
        .toLowerCase()
        .split(',')
        .map((m) => m.trim())
        .includes(ca.method)
    ) {
      blocked.push(
        `"${p.value}" allows ${ca.issuer} only by ${methods}, but the server gets its certificates by ${ca.method.toUpperCase()} on port 80`,
      );
      continue;
    }
    if (kv.has('accounturi')) {
      blocked.push(
        `"${p.value}" allows only the ACME account ${kv.get('accounturi')}, but the server registers its own new account`,
      );
      continue;
    }
    return { allowed: true };
  }
  const want = `CAA 0 issue "${ca.issuer}"`;
  if (blocked.length > 0) {
    return {
      allowed: false,
      reason: blocked.join('; '),
      fix: `at ${at}, replace it with ${want} (or add "${ca.method}" to validationmethods and drop accounturi)`,
    };
  }
  const allowed = [...new Set(issue.map((p) => p.value.split(';')[0]!.trim()).filter(Boolean))];
  return {
    allowed: false,
    reason: allowed.length ? `it allows only ${allowed.join(', ')}` : 'it allows no CA at all (issue ";")',
    fix: `add at ${at}: ${want}`,
  };
}

function ladder(name: string): string[] {
  const out = [name];
  let n = name;
  // Climb to the registered domain: TLDs carry no CAA records.
  while (labelCount(n) > 2) {
    n = parentName(n);
    out.push(n);
  }
  return out;
}

interface Level {
  name: string;
  /** Where the records live (the CNAME target when the name is an alias). */
  at: string;
  set: CaaProperty[];
  answers: ServerAnswer[];
}

/** The CAA findings for the names the server will get certificates for. */
export async function caaFindings(auth: AuthoritativeView, certNames: string[]): Promise<Finding[]> {
  const all = [...new Set(certNames.flatMap(ladder))];
  const levels = new Map<string, Level>();
  await Promise.all(
    all.map(async (name) => {
      const l = await auth.lookup(name, 'CAA');
      const answers = l.answers.filter((a) => a.state !== 'unreachable' && !a.notAsked);
      const withSet = answers.filter((a) => a.state === 'ok' && a.values.length > 0);
      const set = [...new Set(withSet.flatMap((a) => a.values))]
        .sort()
        .map(parseCaa)
        .filter((p): p is CaaProperty => p !== undefined);
      const chain = withSet[0]?.chain ?? [];
      levels.set(name, { name, at: chain[chain.length - 1] ?? name, set, answers });
    }),
  );
  const out: Finding[] = [];
  const denied = new Map<
    string,
    { names: string[]; verdict: Extract<CaaVerdict, { allowed: false }>; level: Level; via: string[] }
  >();
  const warned = new Set<string>();
  /** A finding about one level, said once however many certificate names climb through it. */
  const sayOnce = (key: string, finding: () => Finding) => {
    if (warned.has(key)) return;
    warned.add(key);
    out.push(finding());
  };
  for (const name of certNames) {
    for (const n of ladder(name)) {
      const lv = levels.get(n)!;
      const failed = lv.answers.filter((a) =>
        ['servfail', 'timeout', 'refused', 'malformed', 'error'].includes(a.state),
      );
      if (failed.length > 0)
        sayOnce(`fail ${n}`, () => ({
          level: 'error',
          code: 'caa-lookup-failed',
          subject: `${n} CAA`,
          message: `${failed.map((a) => `${a.server} (${a.address}): ${a.state}`).join('; ')}: a CA that cannot read CAA refuses to issue`,
          fix: `make every name server answer CAA queries for ${n} (even with "no record")`,
        }));
      const sets = new Set(
        lv.answers
          .filter((a) => a.state === 'ok' || a.state === 'nodata' || a.state === 'nxdomain')
          .map((a) => [...a.values].sort().join('|')),
      );
      if (sets.size > 1)
        sayOnce(`split ${n}`, () => ({
          level: 'warning',
          code: 'caa-inconsistent',
          subject: `${n} CAA`,
          message: `the name servers disagree about the CAA records of ${n}: ${lv.answers.map((a) => `${a.server} (${a.address}): ${a.values.join(', ') || a.state}`).join('; ')}`,
          fix: 'make every name server serve the same zone (the union is judged here)',
        }));
      if (lv.set.length === 0) continue;
      const verdict = evaluateCaa(lv.set, lv.at);
      if (!verdict.allowed) {
        const key = `${lv.at}\n${verdict.reason}`;
        const d = denied.get(key) ?? { names: [], verdict, level: lv, via: [] };
        d.names.push(name);
        if (lv.at !== n) d.via.push(`${n} is a CNAME to ${lv.at}`);
        else if (n !== name) d.via.push(`${name} has no CAA record of its own; ${n} is the closest`);
        denied.set(key, d);
      }
      break;
    }
  }
  for (const d of denied.values()) {
    const records = d.level.set.map((p) => `${p.flags} ${p.tag} "${p.value}"`).join(', ');
    out.push({
      level: 'error',
      code: 'caa-forbids-letsencrypt',
      subject: d.names.join(', '),
      message: `Let's Encrypt will refuse ${d.names.length === 1 ? 'this certificate' : 'these certificates'}: the CAA record set at ${d.level.at} (${records}) applies${d.via.length ? ` (${[...new Set(d.via)].join('; ')})` : ''}, and ${d.verdict.reason}`,
      fix: d.verdict.fix,
    });
  }
  return out;
}
