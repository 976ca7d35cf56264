import { checkDns, resolveHost } from '../../src/dns/check.js';
import { expectedRecords } from '../../src/dns/records.js';
import { type FakeDnsServer, freePort, startDnsServer } from '../helpers/dns-server.js';

// A whole check against the project's dns-packet servers on 127.53.4.0/24 (this suite only):
// 127.53.4.1 serves "test." and delegates f.test to ns1 (127.53.4.2) and ns2 (127.53.4.3);
// ns2 misbehaves in each case.
const IP = '192.0.2.10';
const glue = [
  { name: 'f.test', type: 'NS', data: 'ns1.f.test' },
  { name: 'f.test', type: 'NS', data: 'ns2.f.test' },
  { name: 'ns1.f.test', type: 'A', data: '127.53.4.2' },
  { name: 'ns2.f.test', type: 'A', data: '127.53.4.3' },
];
const zone = [
  ...glue,
  { name: 'matrix.f.test', type: 'A', data: IP },
  { name: 'cf.f.test', type: 'A', data: '104.16.0.1' },
];
let port: number;
let parent: FakeDnsServer;
let ns1: FakeDnsServer;
let ns2: FakeDnsServer;

beforeAll(async () => {
  port = await freePort('127.53.4.1');
  parent = await startDnsServer({ address: '127.53.4.1', port, zones: ['test'], records: glue });
  ns1 = await startDnsServer({ address: '127.53.4.2', port, zones: ['f.test'], records: zone });
  ns2 = await startDnsServer({ address: '127.53.4.3', port, zones: ['f.test'], records: zone });
});
afterAll(async () => {
  await Promise.all([parent.close(), ns1.close(), ns2.close()]);
});

const expected = expectedRecords({
  domain: 'f.test',
  ipv4: IP,
  element: false,
  serveBaseDomain: false,
  srvDelegation: false,
});

async function run(mode: FakeDnsServer['state']['mode'], delayMs = 0) {
  ns2.state.mode = mode;
  ns2.state.delayMs = delayMs;
  try {
    return await checkDns(expected, {
      domain: 'f.test',
      roots: [{ address: '127.53.4.1', port }],
      authPort: port,
      clientOptions: { timeoutMs: 300, retries: 0 },
    });
  } finally {
    ns2.state.mode = 'normal';
    ns2.state.delayMs = 0;
  }
}

describe('checkDns with a misbehaving authoritative server', () => {
  it.each([
    ['normal', 0, 'ok', true],
    ['normal', 100, 'ok', true],
    ['truncate', 0, 'ok', true],
    ['servfail', 0, 'servfail', false],
    ['refused', 0, 'refused', false],
    ['garbage', 0, 'malformed', false],
    ['garbage-same-id', 0, 'malformed', false],
    ['wrong-id', 0, 'timeout', false],
    ['wrong-question', 0, 'timeout', false],
    ['silent', 0, 'timeout', false],
    ['udp-silent', 0, 'ok', false],
  ] as const)('%s (delay %i ms): ns2 is %s', async (mode, delay, state, ready) => {
    const r = await run(mode, delay);
    const m = r.records[0]!;
    expect(m.authoritative.map((a) => `${a.server} ${a.state}`)).toEqual([
      'ns1.f.test ok',
      `ns2.f.test ${state}`,
    ]);
    expect(r.ready).toBe(ready);
    // The server at fault is named once, by a zone finding; ns1 still decides the record.
    if (!ready) {
      expect(m.state).toBe('ok');
      expect(r.findings.filter((f) => f.level === 'error').map((f) => f.subject)).toEqual([
        'ns2.f.test (127.53.4.3)',
      ]);
    }
  });
});

describe('server problems are named once, as such, with the time spent', () => {
  it('a dead server: one server-dead finding, with the time spent on UDP and TCP', async () => {
    const r = await run('silent');
    const f = r.findings.filter((x) => x.level === 'error');
    expect(f.map((x) => `${x.code} ${x.subject}`)).toEqual(['server-dead ns2.f.test (127.53.4.3)']);
    const spent = Number(/; (\d+) ms spent/.exec(f[0]!.message)?.[1]);
    // One UDP attempt and one TCP attempt of 300 ms each.
    expect(spent).toBeGreaterThanOrEqual(590);
    expect(f[0]!.message).toContain('no reply over UDP (1 x 300 ms) nor over TCP');
    expect(r.zones[0]!.servers.find((s) => s.ns === 'ns2.f.test')?.ms).toBe(spent);
  });

  it('UDP blocked but TCP working: said so, and the records are still asked (over TCP)', async () => {
    ns2.state.tcpQueries = 0;
    const r = await run('udp-silent');
    const f = r.findings.filter((x) => x.level === 'error');
    expect(f.map((x) => `${x.code} ${x.subject}`)).toEqual(['udp-blocked ns2.f.test (127.53.4.3)']);
    expect(f[0]!.message).toContain(
      'answers over TCP but not over UDP: no reply over UDP (1 attempt of 300 ms)',
    );
    expect(f[0]!.fix).toBe('open UDP port 53 to 127.53.4.3 (firewall, security group or provider setting)');
    expect(r.records[0]!.authoritative.map((a) => `${a.server} ${a.state} ${a.values}`)).toEqual([
      `ns1.f.test ok ${IP}`,
      `ns2.f.test ok ${IP}`,
    ]);
    expect(ns2.state.tcpQueries).toBeGreaterThanOrEqual(2);
  });
});

describe('traps', () => {
  it('warns when a record points at a Cloudflare proxy address', async () => {
    const r = await checkDns(
      [
        {
          name: 'cf.f.test',
          type: 'A',
          values: ['104.16.0.1'],
          cnameAllowed: true,
          required: true,
          purpose: 't',
        },
      ],
      {
        domain: 'f.test',
        roots: [{ address: '127.53.4.1', port }],
        authPort: port,
        clientOptions: { timeoutMs: 300, retries: 0 },
      },
    );
    expect(r.ready).toBe(true);
    expect(r.findings.map((f) => `${f.level} ${f.code} ${f.subject}`)).toEqual([
      'warning cloudflare-proxied cf.f.test A',
    ]);
  });

  it('turns an over-long name into a usage error, not a crash', async () => {
    const long = `${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.f.test`;
    await expect(
      checkDns(
        [
          {
            name: `_matrix-fed._tcp.${long}`,
            type: 'SRV',
            values: ['x:8448'],
            cnameAllowed: false,
            required: true,
            purpose: 't',
          },
        ],
        {
          domain: long,
          roots: [{ address: '127.53.4.1', port }],
        },
      ),
    ).rejects.toThrow('at most 253');
  });
});

describe('when the check itself cannot run', () => {
  it('fails (not "not ready") when the roots answer like a recursive resolver: DNS is intercepted', async () => {
    const interceptor = await startDnsServer({ address: '127.53.4.9', port, records: [] });
    try {
      await expect(
        checkDns(expected, { domain: 'f.test', roots: [{ address: '127.53.4.9', port }], authPort: port }),
      ).rejects.toThrow('something on this network intercepts DNS on port 53');
    } finally {
      await interceptor.close();
    }
  });
});

describe('resolveHost (server.address as a host name)', () => {
  it("stops asking when the caller's signal aborts (Ctrl-C while up waits for DNS)", async () => {
    parent.state.mode = 'silent';
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 100);
    try {
      // Without the abort the silent root would hold it for 2 x 3 s (UDP, then TCP).
      await expect(
        resolveHost('host.f.test', {
          roots: [{ address: '127.53.4.1', port }],
          authPort: port,
          clientOptions: { timeoutMs: 3000, retries: 0 },
          signal: abort.signal,
        }),
      ).rejects.toThrow('127.53.4.1: timeout (cancelled)');
    } finally {
      parent.state.mode = 'normal';
    }
  }, 15_000);
});
