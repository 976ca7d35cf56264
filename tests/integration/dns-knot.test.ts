import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkDns, type DnsCheckOptions } from '../../src/dns/check.js';
import { parseResolver } from '../../src/dns/public.js';
import { type ExpectedRecord, expectedRecords } from '../../src/dns/records.js';
import type { DnsReport } from '../../src/dns/types.js';
import { type FakeDnsServer, freePort, hasIPv6Loopback, startDnsServer } from '../helpers/dns-server.js';
import { type KnotInstance, startKnot, testZone } from '../helpers/knot.js';

// Real knotd servers on 127.53.1.0/24 (this suite only):
//   127.53.1.1        the parent zone "test." (the root of the walk), with delegations + glue
//   127.53.1.2, .3    the child zones (two name servers with the same data)
//   127.53.1.4        a stale copy of stale.test (and nothing else: lame for others)
//   127.53.1.9        a recursive resolver (the project's fake server)
const P = '127.53.1.1';
const C1 = '127.53.1.2';
const C2 = '127.53.1.3';
const OLD = '127.53.1.4';
const IP = '192.0.2.10';
const CHILDREN = ['good', 'missing', 'wrong', 'elema', 'chain', 'cdn', 'loop', 'srvc', 'srvold', 'glue'];

/** The parent's delegation of <c>.test to ns1 (at C1) and ns2 (at `ns2`), with glue. */
const delegation = (c: string, ns2: string) => [
  `${c} NS ns1.${c}.test.`,
  `${c} NS ns2.${c}.test.`,
  `ns1.${c} A ${C1}`,
  `ns2.${c} A ${ns2}`,
];
const parent = [
  'test',
  [
    '@ SOA ns.test. hostmaster.test. 1 3600 600 86400 60',
    '@ NS ns.test.',
    `ns A ${P}`,
    ...[...CHILDREN, 'mismatch'].flatMap((c) => delegation(c, C2)),
    ...delegation('stale', OLD),
    // Each zone's only name server is in the other zone, without glue: neither can be reached.
    'mua NS ns.mub.test.',
    'mub NS ns.mua.test.',
  ].join('\n'),
] as const;

const NS_LINES = ['@ NS ns1', '@ NS ns2', `ns1 A ${C1}`, `ns2 A ${C2}`];
/** A child zone whose name servers are ns1 (at C1) and `second` (at OLD, the old server). */
const withOld = (second: string, matrix = IP) => [
  '@ NS ns1',
  `@ NS ${second}`,
  `ns1 A ${C1}`,
  `${second} A ${OLD}`,
  `@ A ${IP}`,
  `matrix A ${matrix}`,
  'element CNAME matrix',
];
const childZones = (withV6: boolean) => [
  testZone('good', 2, [
    ...NS_LINES,
    ...(withV6 ? ['ns2 AAAA ::1'] : []),
    `@ A ${IP}`,
    `matrix A ${IP}`,
    'matrix AAAA 2001:db8::10',
    'element CNAME matrix',
    '_matrix-fed._tcp SRV 10 0 8448 matrix.good.test.',
    '_matrix._tcp SRV 10 0 8448 matrix.good.test.',
  ]),
  testZone('missing', 1, [...NS_LINES, `matrix A ${IP}`, 'txt TXT "x"']),
  testZone('wrong', 1, [...NS_LINES, `@ A ${IP}`, 'matrix A 192.0.2.99', 'element CNAME matrix']),
  testZone('elema', 1, [
    ...NS_LINES,
    `@ A ${IP}`,
    `matrix A ${IP}`,
    `element A ${IP}`,
    '@ CAA 0 issue "digicert.com"',
    '* A 192.0.2.77',
  ]),
  testZone('chain', 1, [...NS_LINES, `@ A ${IP}`, `matrix A ${IP}`, 'element CNAME edge.cdn.test.']),
  testZone('cdn', 1, [
    ...NS_LINES,
    'edge CNAME matrix.chain.test.',
    'hop CNAME element.loop.test.',
    'p CNAME q.loop.test.',
    'q CNAME p.loop.test.',
  ]),
  testZone('loop', 1, [
    ...NS_LINES,
    `@ A ${IP}`,
    `matrix A ${IP}`,
    'element CNAME hop.cdn.test.',
    'x CNAME y',
    'y CNAME x',
    'p CNAME p.cdn.test.',
    'q CNAME q.cdn.test.',
  ]),
  testZone('srvc', 1, [
    ...NS_LINES,
    `host A ${IP}`,
    'matrix CNAME host',
    '_matrix-fed._tcp SRV 10 0 8448 matrix.srvc.test.',
    '_matrix._tcp SRV 10 0 8448 matrix.srvc.test.',
  ]),
  // The parent's glue says ns2 is at C2; the zone says OLD (which does not serve glue.test).
  testZone('glue', 1, withOld('ns2')),
  testZone('srvold', 1, [...NS_LINES, `matrix A ${IP}`, '_matrix._tcp SRV 10 0 8448 matrix.srvold.test.']),
  testZone('mismatch', 1, withOld('ns3')),
  testZone('stale', 5, withOld('ns2')),
];
const staleOld = testZone('stale', 4, withOld('ns2', '192.0.2.50'));

let dir: string;
let port: number;
const knots: KnotInstance[] = [];
let resolver: FakeDnsServer;
let v6 = false;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mxoob-knot-'));
  v6 = await hasIPv6Loopback();
  port = await freePort(P, v6 ? ['::1'] : []);
  knots.push(
    await startKnot({
      dir: join(dir, 'parent'),
      addresses: [P],
      port,
      zones: [{ name: parent[0], text: parent[1] }],
    }),
  );
  // ns2.good.test also has AAAA ::1: the child server listens there too when this machine has IPv6.
  const childAddresses = [C1, C2, ...(v6 ? ['::1'] : [])];
  knots.push(
    await startKnot({ dir: join(dir, 'child'), addresses: childAddresses, port, zones: childZones(v6) }),
  );
  knots.push(await startKnot({ dir: join(dir, 'old'), addresses: [OLD], port, zones: [staleOld] }));
  resolver = await startDnsServer({ address: '127.53.1.9', port, records: [] });
}, 30000);

afterAll(async () => {
  await Promise.all(knots.map((k) => k.stop()));
  await resolver?.close();
  await rm(dir, { recursive: true, force: true });
});

function options(extra: Partial<DnsCheckOptions> = {}): DnsCheckOptions {
  return {
    roots: [{ address: P, port }],
    authPort: port,
    resolvers: [],
    clientOptions: { timeoutMs: 400, retries: 0 },
    ...extra,
  };
}

function check(domain: string, extra: Partial<DnsCheckOptions> = {}, srv = false): Promise<DnsReport> {
  const expected = expectedRecords({
    domain,
    ipv4: IP,
    element: true,
    serveBaseDomain: true,
    srvDelegation: srv,
  });
  return checkDns(expected, options({ domain, ...extra }));
}

const rec = (r: DnsReport, name: string, type = 'A') => {
  const found = r.records.find((x) => x.name === name && x.type === type);
  if (!found) throw new Error(`no ${name} ${type} in report`);
  return found;
};
/** Required A records of IP (a CNAME allowed) for these names only. */
const aRecords = (...names: string[]): ExpectedRecord[] =>
  names.map((name) => ({ name, type: 'A', values: [IP], cnameAllowed: true, required: true, purpose: 't' }));
const codes = (r: DnsReport) => r.findings.map((f) => f.code).sort();

describe('dns check against real authoritative servers (knotd)', () => {
  it('is ready when every record is right on every server', async () => {
    const expected = expectedRecords({
      domain: 'good.test',
      ipv4: IP,
      ipv6: '2001:db8::10',
      element: true,
      serveBaseDomain: true,
      srvDelegation: true,
    });
    const r = await checkDns(expected, options({ domain: 'good.test' }));
    expect(r.findings.filter((f) => f.level !== 'info')).toEqual([]);
    expect(r.ready).toBe(true);
    expect(r.records.map((x) => `${x.name} ${x.type} ${x.state}`)).toEqual([
      'matrix.good.test A ok',
      'matrix.good.test AAAA ok',
      'element.good.test A ok',
      'good.test A ok',
      '_matrix-fed._tcp.good.test SRV ok',
      '_matrix._tcp.good.test SRV ok',
    ]);
    const el = rec(r, 'element.good.test');
    expect(el.authoritative.map((a) => [a.server, a.address, a.state, a.chain])).toEqual([
      ['ns1.good.test', C1, 'ok', ['matrix.good.test']],
      ['ns2.good.test', C2, 'ok', ['matrix.good.test']],
      // Every address of every name server: ns2 also has AAAA ::1 (when this machine has IPv6).
      ...(v6 ? [['ns2.good.test', '::1', 'ok', ['matrix.good.test']]] : []),
    ]);
    expect(el.authoritative[0]!.ttl).toBe(300);
    const z = r.zones[0]!;
    expect([z.apex, z.parent, z.nsMismatch, z.serials]).toEqual(['good.test', 'test', false, [2]]);
  });

  it('tells NXDOMAIN from NODATA for missing records', async () => {
    const r = await check('missing.test');
    expect(r.ready).toBe(false);
    expect(rec(r, 'matrix.missing.test').state).toBe('ok');
    expect(rec(r, 'element.missing.test').state).toBe('nxdomain');
    expect(rec(r, 'missing.test').state).toBe('nodata');
    expect(rec(r, 'missing.test').authoritative[0]!.ttl).toBe(60);
    const f = r.findings.find((x) => x.subject === 'element.missing.test A');
    expect(f?.fix).toBe('create the record at your DNS provider: element.missing.test. A 192.0.2.10');
  });

  it('shows a wrong address next to the expected one', async () => {
    const r = await check('wrong.test');
    expect(r.ready).toBe(false);
    const m = rec(r, 'matrix.wrong.test');
    expect(m.state).toBe('wrong');
    expect(m.authoritative[0]!.values).toEqual(['192.0.2.99']);
    expect(m.authoritative[0]!.detail).toBe('has 192.0.2.99; expected 192.0.2.10');
    // element is a CNAME to the wrong matrix record: wrong too
    expect(rec(r, 'element.wrong.test').state).toBe('wrong');
  });

  it('accepts element as an A record, and flags CAA and wildcard traps', async () => {
    const r = await check('elema.test');
    const el = rec(r, 'element.elema.test');
    expect(el.state).toBe('ok');
    expect(el.authoritative[0]!.chain).toEqual([]);
    // One finding for the one CAA record set at fault, naming every certificate name it blocks.
    expect(codes(r)).toEqual(['caa-forbids-letsencrypt', 'wildcard']);
    expect(r.findings[0]!.subject).toBe('matrix.elema.test, element.elema.test, elema.test');
    expect(r.findings[0]!.fix).toBe('add at elema.test: CAA 0 issue "letsencrypt.org"');
    expect(r.ready).toBe(false);
  });

  it('follows a CNAME chain across zones', async () => {
    const r = await check('chain.test');
    expect(r.ready).toBe(true);
    expect(rec(r, 'element.chain.test').authoritative[0]!.chain).toEqual([
      'edge.cdn.test',
      'matrix.chain.test',
    ]);
  });

  it('detects a CNAME loop across zones', async () => {
    const r = await check('loop.test');
    expect(r.ready).toBe(false);
    const el = rec(r, 'element.loop.test');
    expect(el.state).toBe('cname-loop');
    expect(el.authoritative[0]!.chain).toEqual(['hop.cdn.test', 'element.loop.test']);
  });

  it('detects a CNAME loop inside one zone', async () => {
    const r = await checkDns(aRecords('x.loop.test'), options({ domain: 'loop.test' }));
    expect(r.records[0]!.state).toBe('cname-loop');
    expect(r.ready).toBe(false);
  });

  it('detects a CNAME loop across zones through two checked names (it used to hang)', async () => {
    // p.loop > p.cdn > q.loop > q.cdn > p.loop: each checked name's lookup needs the other's.
    const r = await checkDns(aRecords('p.loop.test', 'q.loop.test'), options({ domain: 'loop.test' }));
    expect(r.records.map((x) => `${x.name} ${x.state}`)).toEqual([
      'p.loop.test cname-loop',
      'q.loop.test cname-loop',
    ]);
    expect(rec(r, 'p.loop.test').authoritative[0]!.chain).toEqual([
      'p.cdn.test',
      'q.loop.test',
      'q.cdn.test',
      'p.loop.test',
    ]);
    expect(r.ready).toBe(false);
  }, 10000);

  it('gives up on two zones whose name servers are in each other, glueless (it used to hang)', async () => {
    const r = await checkDns(aRecords('x.mua.test', 'y.mub.test'), options({ domain: 'mua.test' }));
    expect(r.ready).toBe(false);
    expect(r.findings.filter((f) => f.code === 'zone-lame').map((f) => [f.subject, f.message])).toEqual([
      ['x.mua.test A', 'no address found for any name server of mua.test (ns.mub.test)'],
      ['y.mub.test A', 'no address found for any name server of mub.test (ns.mua.test)'],
    ]);
  }, 10000);

  it('warns about an SRV target that is a CNAME', async () => {
    const r = await check('srvc.test', {}, true);
    expect(rec(r, '_matrix-fed._tcp.srvc.test', 'SRV').state).toBe('ok');
    expect(r.findings.find((f) => f.code === 'srv-target-cname')?.message).toBe(
      'the SRV target matrix.srvc.test is a CNAME (to host.srvc.test); SRV targets must have their own A/AAAA records',
    );
  });

  it('flags a deprecated-only _matrix._tcp SRV', async () => {
    const r = await check('srvold.test', {}, true);
    expect(rec(r, '_matrix-fed._tcp.srvold.test', 'SRV').state).toBe('nxdomain');
    expect(rec(r, '_matrix._tcp.srvold.test', 'SRV').state).toBe('ok');
    expect(codes(r)).toContain('deprecated-srv-only');
    const fix = (code: string, subject = '') =>
      r.findings.find((f) => f.code === code && f.subject.startsWith(subject))?.fix;
    expect(fix('deprecated-srv-only')).toBe(
      'add _matrix-fed._tcp.srvold.test SRV 10 0 8448 matrix.srvold.test. (keep the old one for older servers)',
    );
    expect(fix('record-nxdomain', '_matrix-fed')).toBe(
      'create the record at your DNS provider: _matrix-fed._tcp.srvold.test. SRV 10 0 8448 matrix.srvold.test.',
    );
    expect(r.ready).toBe(false);
  });

  it('flags a parent/child NS mismatch and the lame server', async () => {
    const r = await check('mismatch.test');
    const z = r.zones.find((x) => x.apex === 'mismatch.test')!;
    expect(z.nsMismatch).toBe(true);
    expect(z.parentNs).toEqual(['ns1.mismatch.test', 'ns2.mismatch.test']);
    expect(z.childNs).toEqual(['ns1.mismatch.test', 'ns3.mismatch.test']);
    expect(z.servers.map((s) => `${s.ns} ${s.address} ${s.state}`)).toEqual([
      `ns1.mismatch.test ${C1} ok`,
      `ns2.mismatch.test ${C2} ok`,
      `ns3.mismatch.test ${OLD} refused`,
    ]);
    expect(codes(r)).toContain('ns-mismatch');
    expect(r.findings.find((f) => f.code === 'lame-server')?.subject).toBe(`ns3.mismatch.test (${OLD})`);
    // The lame server is named once; the servers that serve the zone decide the record.
    expect(rec(r, 'matrix.mismatch.test').state).toBe('ok');
    expect(r.ready).toBe(false);
  });

  it('flags glue at the parent that differs from the name server address in the zone', async () => {
    const r = await check('glue.test');
    expect(r.zones[0]!.glueMismatch).toEqual([{ ns: 'ns2.glue.test', glue: [C2], actual: [OLD] }]);
    expect(codes(r)).toContain('glue-mismatch');
    // Both the glue address and the zone's address are asked.
    expect(r.zones[0]!.servers.map((s) => `${s.ns} ${s.address} ${s.state} ${s.glueOnly ?? false}`)).toEqual([
      `ns1.glue.test ${C1} ok false`,
      `ns2.glue.test ${C2} ok true`,
      `ns2.glue.test ${OLD} refused false`,
    ]);
  });

  it('catches one of two authoritative servers serving a stale copy', async () => {
    const r = await check('stale.test');
    const m = rec(r, 'matrix.stale.test');
    expect(m.state).toBe('wrong');
    expect(m.authoritative.map((a) => `${a.address} ${a.state} ${a.values}`)).toEqual([
      `${C1} ok ${IP}`,
      `${OLD} wrong 192.0.2.50`,
    ]);
    expect(r.zones[0]!.serials).toEqual([4, 5]);
    expect(codes(r)).toContain('serial-mismatch');
    expect(r.ready).toBe(false);
  });

  it('asks public resolvers only once the authoritative servers agree, and estimates convergence', async () => {
    resolver.state.records = [
      { name: 'matrix.good.test', type: 'A', ttl: 3600, data: IP },
      { name: 'element.good.test', type: 'A', ttl: 120, data: '192.0.2.1' },
      {
        name: 'test',
        type: 'SOA',
        ttl: 300,
        data: { mname: 'ns.test', rname: 'h.test', serial: 1, refresh: 1, retry: 1, expire: 1, minimum: 90 },
      },
    ];
    resolver.state.udpQueries = 0;
    const resolvers = [parseResolver(`127.53.1.9:${port}`, 'fake')];
    const before = Date.now();
    const r = await check('good.test', { resolvers });
    expect(resolver.state.udpQueries).toBe(3);
    expect(rec(r, 'matrix.good.test').public.map((a) => a.state)).toEqual(['ok']);
    expect(rec(r, 'element.good.test').public.map((a) => `${a.state} ${a.values} ${a.ttl}`)).toEqual([
      'wrong 192.0.2.1 120',
    ]);
    expect(rec(r, 'good.test').public.map((a) => `${a.state} ${a.ttl}`)).toEqual(['nodata 90']);
    const by = Date.parse(r.convergeBy!);
    expect(by - before).toBeGreaterThanOrEqual(119000);
    expect(by - before).toBeLessThan(125000);
    expect(codes(r)).toContain('public-not-converged');
    expect(r.ready).toBe(false);

    const missing = await check('missing.test', { resolvers });
    expect(rec(missing, 'element.missing.test').public).toEqual([]);
  });
});
