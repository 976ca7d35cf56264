import type { AuthoritativeView } from './authoritative.js';
import type { ExpectedRecord } from './records.js';
import type { Finding } from './types.js';

/**
 * Records the config does not ask for but that change where clients go: an AAAA record on a
 * name that only has an IPv4 address in the config. Clients and Let's Encrypt prefer IPv6, so
 * they reach whatever host that address belongs to. (Extra A records are caught by the record
 * check itself: a record must hold exactly the expected values.)
 */
export async function strayFindings(auth: AuthoritativeView, expected: ExpectedRecord[]): Promise<Finding[]> {
  const allowed = new Set(expected.filter((e) => e.type === 'AAAA').flatMap((e) => e.values));
  const withAaaa = new Set(expected.filter((e) => e.type === 'AAAA').map((e) => e.name));
  const names = [
    ...new Set(expected.filter((e) => e.type === 'A' && !withAaaa.has(e.name)).map((e) => e.name)),
  ];
  const found = await Promise.all(
    names.map(async (name) => {
      const l = await auth.lookup(name, 'AAAA');
      return { name, answers: l.answers.filter((a) => a.state === 'ok' && !a.notAsked) };
    }),
  );
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const { name, answers } of found) {
    const stray = answers.filter((a) => a.values.some((v) => !allowed.has(v)));
    if (stray.length === 0) continue;
    const chain = stray[0]!.chain;
    // Reached through a CNAME: report it once, at the name that holds it.
    const owner = chain[chain.length - 1] ?? name;
    const values = [...new Set(stray.flatMap((a) => a.values.filter((v) => !allowed.has(v))))].sort();
    const key = `${owner} ${values.join()}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const servers = [...new Set(stray.map((a) => a.server))].join(', ');
    const ipv6 =
      allowed.size > 0
        ? `the config's IPv6 address is ${[...allowed].join(', ')}`
        : 'the config has no IPv6 address';
    out.push({
      level: 'error',
      code: 'stray-aaaa',
      subject: `${owner} AAAA`,
      message: `has AAAA ${values.join(', ')} (on ${servers})${owner !== name ? `, which ${name} reaches by CNAME` : ''}, but ${ipv6}: IPv6 clients and Let's Encrypt go to that address instead of the server`,
      fix: `delete ${owner}. AAAA ${values.join(' / ')}; or, if the server has that IPv6 address, set server.ipv6 in matrix-oob.yml (or pass --ipv6)`,
    });
  }
  return out;
}
