import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkDns, type DnsCheckOptions, waitForDns } from '../../src/dns/check.js';
import { parseResolver } from '../../src/dns/public.js';
import { expectedRecords } from '../../src/dns/records.js';
import { renderReport } from '../../src/dns/report.js';
import type { DnsReport } from '../../src/dns/types.js';
import { type FakeDnsServer, freePort, startDnsServer } from '../helpers/dns-server.js';
import { type KnotInstance, startKnot, testZone } from '../helpers/knot.js';

// Zones set up the way real incidents go wrong, on real knotd servers (127.53.7.0/24, this suite):
//   127.53.7.1   "test." (the root of the walk), delegations with glue; also ns3.lame.test, which
//                therefore answers lame.test with a referral to lame.test itself
//   127.53.7.2/3 the domains' own servers (one knotd, the same data on both addresses)
//   127.53.7.4   an old server: an old copy of glue2.test (the parent's glue still points here),
//                and a diverged diverge.test with the same serial as the real one
//   127.53.7.9   a recursive resolver (the project's fake server)
// Each case is checked RUNS times: the random order in which servers are tried must never
// change the verdict or the findings.
const RUNS = 20;
const P = '127.53.7.1';
const C1 = '127.53.7.2';
const C2 = '127.53.7.3';
const OLD = '127.53.7.4';
const IP = '192.0.2.10';
const PLAIN = ['caacname', 'caaparam', 'caaacct', 'stray', 'wild', 'extra', 'ready'];

const parent = [
  '@ SOA ns.test. hostmaster.test. 1 3600 600 86400 60',
  '@ NS ns.test.',
  `ns A ${P}`,
  ...PLAIN.flatMap((c) => [
    `${c} NS ns1.${c}.test.`,
    `${c} NS ns2.${c}.test.`,
    `ns1.${c} A ${C1}`,
    `ns2.${c} A ${C2}`,
  ]),
  // 1: three name servers, the third (this very server) refers lame.test back to itself.
  ...['ns1', 'ns2', 'ns3'].map((n) => `lame NS ${n}.lame.test.`),
  `ns1.lame A ${C1}`,
  `ns2.lame A ${C2}`,
  `ns3.lame A ${P}`,
  // 2: the glue of ns2.glue2.test still names the old server, which still serves an old copy.
  'glue2 NS ns1.glue2.test.',
  'glue2 NS ns2.glue2.test.',
  `ns1.glue2 A ${C1}`,
  `ns2.glue2 A ${OLD}`,
  // 6: two servers that are not copies of one zone, under the same serial.
  'diverge NS ns1.diverge.test.',
  'diverge NS ns2.diverge.test.',
  `ns1.diverge A ${C1}`,
  `ns2.diverge A ${OLD}`,
].join('\n');

const NS = (ns2 = C2) => ['@ NS ns1', '@ NS ns2', `ns1 A ${C1}`, `ns2 A ${ns2}`];
const BASE = [`@ A ${IP}`, `matrix A ${IP}`, 'element CNAME matrix'];
const children = [
  testZone('lame', 3, [
    '@ NS ns1',
    '@ NS ns2',
    '@ NS ns3',
    `ns1 A ${C1}`,
    `ns2 A ${C2}`,
    `ns3 A ${P}`,
    ...BASE,
  ]),
  testZone('glue2', 5, [...NS(), ...BASE]),
  testZone('diverge', 7, [...NS(OLD), ...BASE]),
  // 3: CAA "nobody" at matrix; element is a CNAME to it, so the CA refuses element too.
  testZone('caacname', 1, [...NS(), ...BASE, 'matrix CAA 0 issue ";"']),
  // 4: Let's Encrypt allowed, but only by DNS-01 (the server uses HTTP-01) / only one account.
  testZone('caaparam', 1, [...NS(), ...BASE, '@ CAA 0 issue "letsencrypt.org; validationmethods=dns-01"']),
  testZone('caaacct', 1, [
    ...NS(),
    ...BASE,
    '@ CAA 0 issue "letsencrypt.org; accounturi=https://acme-v02.api.letsencrypt.org/acme/acct/1"',
  ]),
  // 5: an AAAA left on matrix from an old host; the config has no IPv6.
  testZone('stray', 1, [...NS(), ...BASE, 'matrix AAAA 2001:db8::99']),
  testZone('wild', 1, [...NS(), `@ A ${IP}`, `matrix A ${IP}`, '* A 192.0.2.77']),
  testZone('extra', 1, [
    ...NS(),
    `@ A ${IP}`,
    `matrix A ${IP}`,
    'matrix A 192.0.2.66',
    'element CNAME matrix',
  ]),
  testZone('ready', 1, [...NS(), ...BASE, '@ CAA 0 issue "letsencrypt.org"']),
];
const old = [
  testZone('glue2', 4, [...NS(OLD), `@ A ${IP}`, 'matrix A 192.0.2.50', 'element CNAME matrix']),
  testZone('diverge', 7, [...NS(OLD), `@ A ${IP}`, `matrix A ${IP}`]),
];

let dir: string;
let port: number;
const knots: KnotInstance[] = [];
let resolver: FakeDnsServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mxoob-realworld-'));
  port = await freePort(P);
  knots.push(
    ...(await Promise.all([
      startKnot({ dir: join(dir, 'p'), addresses: [P], port, zones: [{ name: 'test', text: parent }] }),
      startKnot({ dir: join(dir, 'c'), addresses: [C1, C2], port, zones: children }),
      startKnot({ dir: join(dir, 'o'), addresses: [OLD], port, zones: old }),
    ])),
  );
  resolver = await startDnsServer({ address: '127.53.7.9', port, records: [] });
}, 30000);

afterAll(async () => {
  await Promise.all(knots.map((k) => k.stop()));
  await resolver?.close();
  await rm(dir, { recursive: true, force: true });
});

function options(domain: string, extra: Partial<DnsCheckOptions> = {}): DnsCheckOptions {
  return {
    domain,
    roots: [{ address: P, port }],
    authPort: port,
    resolvers: [],
    clientOptions: { timeoutMs: 400, retries: 0 },
    ...extra,
  };
}
const expected = (domain: string) =>
  expectedRecords({ domain, ipv4: IP, element: true, serveBaseDomain: true, srvDelegation: false });

/** What must not change from run to run: the verdict, each record's state, every finding. */
const outcome = (r: DnsReport) => ({
  ready: r.ready,
  records: r.records.map((x) => `${x.name} ${x.type} ${x.state}`),
  servers: r.zones.flatMap((z) => z.servers.map((s) => `${s.ns} ${s.address} ${s.state}`)),
  findings: r.findings.map((f) => ({ ...f, message: f.message.replace(/\d+ ms/g, 'N ms') })),
});

/** Check `domain` RUNS times; every run must give the same outcome. Returns the first report. */
async function sameEveryRun(domain: string): Promise<DnsReport> {
  const first = await checkDns(expected(domain), options(domain));
  const want = outcome(first);
  for (let i = 1; i < RUNS; i++) {
    expect(outcome(await checkDns(expected(domain), options(domain)))).toEqual(want);
  }
  return first;
}
const find = (r: DnsReport, code: string) => {
  const f = r.findings.filter((x) => x.code === code);
  if (f.length !== 1)
    throw new Error(`${f.length} ${code} findings in ${JSON.stringify(r.findings, null, 1)}`);
  return f[0]!;
};

describe('dns check on real-world zones (knotd), the same verdict every run', () => {
  it('1: names a server that refers the zone back to itself, once; the other servers decide', async () => {
    const r = await sameEveryRun('lame.test');
    expect(r.ready).toBe(false);
    expect(r.records.map((x) => x.state)).toEqual(['ok', 'ok', 'ok']);
    expect(r.findings.map((f) => `${f.level} ${f.code} ${f.subject}`)).toEqual([
      `error lame-server ns3.lame.test (${P})`,
    ]);
    expect(r.findings[0]!.message).toContain(
      'answers with a referral to lame.test instead of authoritatively',
    );
    expect(r.findings[0]!.fix).toContain('configure lame.test on ns3.lame.test, or remove ns3.lame.test');
  });

  it('2: probes the stale glue address and names the old server it leads to', async () => {
    const r = await sameEveryRun('glue2.test');
    expect(r.ready).toBe(false);
    expect(r.zones[0]!.servers.map((s) => `${s.ns} ${s.address} ${s.serial} ${s.glueOnly ?? false}`)).toEqual(
      [`ns1.glue2.test ${C1} 5 false`, `ns2.glue2.test ${C2} 5 false`, `ns2.glue2.test ${OLD} 4 true`],
    );
    const g = find(r, 'glue-mismatch');
    expect([g.level, g.subject]).toEqual(['error', 'ns2.glue2.test']);
    expect(g.message).toContain(`${OLD} still answers for glue2.test with an old copy (serial 4, newest 5)`);
    expect(g.fix).toBe(
      `at the registrar, set the glue ("host record") of ns2.glue2.test to ${C2}; then stop serving glue2.test at ${OLD}`,
    );
    const m = r.records.find((x) => x.name === 'matrix.glue2.test')!;
    expect(m.authoritative.filter((a) => a.state === 'wrong').map((a) => `${a.address} ${a.values}`)).toEqual(
      [`${OLD} 192.0.2.50`],
    );
    // No advice to wait for a zone transfer: the glue is at fault.
    expect(r.findings.some((f) => f.code === 'serial-mismatch' || /transfer/.test(f.fix ?? ''))).toBe(false);
  });

  it('3: follows a CNAME to the CAA record a CA would use (RFC 8659)', async () => {
    const r = await sameEveryRun('caacname.test');
    expect(r.ready).toBe(false);
    const f = find(r, 'caa-forbids-letsencrypt');
    expect(f.subject).toBe('matrix.caacname.test, element.caacname.test');
    expect(f.message).toContain('element.caacname.test is a CNAME to matrix.caacname.test');
    expect(f.fix).toBe('add at matrix.caacname.test: CAA 0 issue "letsencrypt.org"');
  });

  it('4: reads CAA parameters: validationmethods without http-01, and accounturi, forbid the server', async () => {
    const r = await sameEveryRun('caaparam.test');
    expect(r.ready).toBe(false);
    const f = find(r, 'caa-forbids-letsencrypt');
    expect(f.subject).toBe('matrix.caaparam.test, element.caaparam.test, caaparam.test');
    expect(f.message).toContain(
      'allows letsencrypt.org only by dns-01, but the server gets its certificates by HTTP-01',
    );
    const a = find(await sameEveryRun('caaacct.test'), 'caa-forbids-letsencrypt');
    expect(a.message).toContain(
      'allows only the ACME account https://acme-v02.api.letsencrypt.org/acme/acct/1',
    );
    // A plain issue "letsencrypt.org" is fine.
    expect((await checkDns(expected('ready.test'), options('ready.test'))).ready).toBe(true);
  });

  it('5: reports a stray AAAA when the config has no IPv6, once, at the name that holds it', async () => {
    const r = await sameEveryRun('stray.test');
    expect(r.ready).toBe(false);
    expect(r.records.map((x) => x.state)).toEqual(['ok', 'ok', 'ok']);
    const f = find(r, 'stray-aaaa');
    expect(f.subject).toBe('matrix.stray.test AAAA');
    expect(f.fix).toContain('delete matrix.stray.test. AAAA 2001:db8::99');
  });
});

describe('advice an operator can act on', () => {
  it('a wildcard answering for a missing record: create it (not "change it")', async () => {
    const r = await sameEveryRun('wild.test');
    const f = find(r, 'record-wildcard');
    expect(f.subject).toBe('element.wild.test A');
    expect(f.fix).toBe(`create the record at your DNS provider: element.wild.test. A ${IP}`);
    expect(find(r, 'wildcard').fix).toContain(
      'keep explicit records for matrix.wild.test, element.wild.test, wild.test',
    );
  });

  it('an extra A record: delete it', async () => {
    const f = find(await sameEveryRun('extra.test'), 'record-extra');
    expect(f.subject).toBe('matrix.extra.test A');
    expect(f.fix).toBe(`delete matrix.extra.test. A 192.0.2.66 (keep matrix.extra.test. A ${IP})`);
  });

  it('servers that differ under the same serial: not a transfer delay, the odd server is named', async () => {
    const r = await sameEveryRun('diverge.test');
    const f = find(r, 'record-diverged');
    expect(f.subject).toBe('element.diverge.test A');
    expect(f.fix).toContain(`ns2.diverge.test (${OLD}) is not a copy of ns1.diverge.test (${C1})`);
    expect(r.findings.some((x) => /create the record/.test(x.fix ?? ''))).toBe(false);
  });

  it('--wait stops at once when the resolvers cache the old answer beyond its timeout', async () => {
    resolver.state.records = [
      { name: 'matrix.ready.test', type: 'A', ttl: 86400, data: '192.0.2.1' },
      { name: 'element.ready.test', type: 'A', ttl: 60, data: IP },
      { name: 'ready.test', type: 'A', ttl: 60, data: IP },
    ];
    const resolvers = [parseResolver(`127.53.7.9:${port}`, 'fake')];
    const started = Date.now();
    const r = await waitForDns(expected('ready.test'), options('ready.test', { resolvers }), {
      timeoutMs: 30 * 60 * 1000,
      intervalMs: 10000,
    });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(r.ready).toBe(false);
    const f = find(r, 'wait-too-short');
    expect(f.message).toMatch(/\(in 24 h\), after the --wait deadline \(in 30 min\): stopped waiting/);
    expect(f.fix).toContain('--wait --timeout 24h');
    expect(find(r, 'public-not-converged').fix).toContain('run with --wait --timeout 24h');
  });

  it('the plain report of a ready case fits 80 columns', async () => {
    const r = await checkDns(expected('ready.test'), options('ready.test'));
    expect(r.ready).toBe(true);
    const text = renderReport(r, false);
    const wide = text.split('\n').filter((l) => l.length > 80);
    expect(wide).toEqual([]);
    expect(text).toContain('matrix.ready.test');
  });
});
