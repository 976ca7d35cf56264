import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderReport, reportJson } from '../../src/dns/report.js';
import { configLayer, envLayer, resolveSettings } from '../../src/dns/settings.js';
import type { DnsReport } from '../../src/dns/types.js';

const report: DnsReport = {
  schema: 1,
  domain: 'example.com',
  ready: false,
  checkedAt: '2026-11-29T15:00:00.000Z',
  durationMs: 42,
  records: [
    {
      name: 'matrix.example.com',
      type: 'A',
      expected: ['203.0.113.10'],
      required: true,
      deprecated: false,
      cnameAllowed: true,
      purpose: 'p',
      zone: 'example.com',
      state: 'wrong',
      authoritative: [
        {
          server: 'ns1.dns.net',
          address: '192.0.2.53',
          state: 'ok',
          values: ['203.0.113.10'],
          chain: [],
          ttl: 300,
          ms: 12,
        },
        {
          server: 'ns2.dns.net',
          address: '198.51.100.53',
          state: 'wrong',
          values: ['203.0.113.99'],
          chain: [],
          ttl: 300,
          ms: 30,
        },
      ],
      public: [],
    },
  ],
  zones: [
    {
      apex: 'example.com',
      parent: 'com',
      parentNs: ['ns1.dns.net', 'ns2.dns.net'],
      childNs: ['ns1.dns.net', 'ns2.dns.net'],
      nsMismatch: false,
      servers: [],
      serials: [1, 2],
      glueMismatch: [],
    },
  ],
  findings: [
    { level: 'warning', code: 'serial-mismatch', subject: 'example.com', message: 'behind', fix: 'wait' },
    {
      level: 'error',
      code: 'record-wrong',
      subject: 'matrix.example.com A',
      message: 'ns2 wrong',
      fix: 'change it',
    },
  ],
};

describe('renderReport', () => {
  it('prints one row per server, both values for a wrong one, problems before warnings, the verdict last', () => {
    expect(renderReport(report, false).split('\n')).toEqual([
      'DNS readiness of example.com (42 ms)',
      '',
      '  SERVER                     STATE  VALUE                               TTL TIME',
      'matrix.example.com A',
      '  ns1.dns.net 192.0.2.53     ok     203.0.113.10                        300 12ms',
      '  ns2.dns.net 198.51.100.53  WRONG  203.0.113.99 (want 203.0.113.10)    300 30ms',
      '',
      'zone example.com (delegated by com): NS ns1.dns.net, ns2.dns.net, serial 1/2',
      '',
      'problem: matrix.example.com A: ns2 wrong',
      '  fix: change it',
      'warning: example.com: behind',
      '  fix: wait',
      '',
      'NOT READY: 1 problem above.',
    ]);
  });
  it('fits 80 columns: long names and IPv6 addresses abbreviated, long cells wrapped; a CNAME loop shown once', () => {
    const long: DnsReport = structuredClone(report);
    const m = long.records[0]!;
    m.authoritative.push(
      {
        server: 'ns-1234.awsdns-56.very-long-provider-name.co.uk',
        address: '2001:db8:1234:5678:9abc:def0:1234:5678',
        state: 'nodata',
        values: [],
        chain: [],
        ttl: 3600,
        ms: 4012,
        detail: 'the name exists but has no A record; this detail is long enough to need two lines or more',
      },
      {
        server: 'ns1.dns.net',
        address: '192.0.2.53',
        state: 'cname-loop',
        values: [],
        chain: ['a.example.com', 'b.example.com', 'a.example.com'],
        ms: 3,
        detail: 'CNAME loop',
      },
    );
    long.findings[1]!.message = 'x '.repeat(100).trim();
    const lines = renderReport(long, false).split('\n');
    expect(lines.filter((l) => l.length > 80)).toEqual([]);
    expect(lines.some((l) => l.includes('…') && l.includes('NODATA') && l.includes('4012ms'))).toBe(true);
    // The loop's chain once, marked as a loop (not again in a detail).
    const text = lines.join(' ').replace(/ +/g, ' ');
    expect(text.match(/b\.example\.com/g)).toHaveLength(1);
    expect(text).toContain('CNAME LOOP CNAME a.example.com > 3ms b.example.com > a.example.com (loop)');
    expect(text.match(/loop/gi)).toHaveLength(2);
    // --json keeps what the table abbreviates.
    const json = reportJson(long);
    expect(json).toContain('"ns-1234.awsdns-56.very-long-provider-name.co.uk"');
    expect(json).toContain('"2001:db8:1234:5678:9abc:def0:1234:5678"');
  });

  it('has no escape codes without colour', () => {
    expect(renderReport(report, false)).not.toContain('\u001b[');
  });
});

describe('settings', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mxoob-settings-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('takes the environment over the config, and reads resolv.conf unless told not to', async () => {
    const conf = join(dir, 'resolv.conf');
    await writeFile(conf, 'nameserver 127.0.0.53\n');
    const env = envLayer({ MATRIX_OOB_DNS_AUTH_PORT: '5300', MATRIX_OOB_DNS_RESOLVERS: '127.0.0.9:5301' });
    const cfg = configLayer({ auth_port: 53, roots: ['127.0.0.7'], query_timeout_ms: 700 });
    const s = await resolveSettings([env, cfg], conf);
    expect(s.authPort).toBe(5300);
    expect(s.roots).toEqual([{ address: '127.0.0.7', port: 53 }]);
    expect(s.clientOptions).toEqual({ timeoutMs: 700 });
    expect(s.resolvers?.map((r) => `${r.server.address}:${r.server.port}`)).toEqual([
      '127.0.0.53:53',
      '127.0.0.9:5301',
    ]);
    const none = await resolveSettings([configLayer({ resolvers: ['none'], system_resolver: false })], conf);
    expect(none.resolvers).toEqual([]);
  });
  it('uses the public defaults when nothing is set', async () => {
    const s = await resolveSettings([], join(dir, 'missing'));
    expect(s.resolvers?.map((r) => r.label)).toEqual(['Cloudflare', 'Google', 'Quad9']);
    expect(s.roots).toBeUndefined();
  });
  it('names the variable in errors', () => {
    expect(() => envLayer({ MATRIX_OOB_DNS_RETRIES: 'many' })).toThrow(
      'MATRIX_OOB_DNS_RETRIES: must be a whole number',
    );
  });
});
