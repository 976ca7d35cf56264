import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { DnsReport } from '../../src/dns/types.js';
import { type FakeDnsServer, freePort, startDnsServer } from '../helpers/dns-server.js';

// The built CLI against the project's DNS server on 127.53.3.0/24 (this suite only):
// 127.53.3.1 serves "test." and delegates e2e.test to 127.53.3.2; 127.53.3.9 is a resolver.
const CLI = join(process.cwd(), 'bin', 'matrix-oob.js');
const IP = '192.0.2.10';
let port: number;
let parent: FakeDnsServer;
let child: FakeDnsServer;
let resolver: FakeDnsServer;
let dir: string;

const zoneRecords = [
  { name: 'e2e.test', type: 'NS', data: 'ns1.e2e.test' },
  { name: 'ns1.e2e.test', type: 'A', data: '127.53.3.2' },
  { name: 'matrix.e2e.test', type: 'A', data: IP },
  { name: 'e2e.test', type: 'A', data: IP },
  { name: 'element.e2e.test', type: 'CNAME', data: 'matrix.e2e.test' },
  { name: 'host.e2e.test', type: 'A', data: IP },
];

beforeAll(async () => {
  port = await freePort('127.53.3.1');
  parent = await startDnsServer({
    address: '127.53.3.1',
    port,
    zones: ['test'],
    records: [
      { name: 'e2e.test', type: 'NS', data: 'ns1.e2e.test' },
      { name: 'ns1.e2e.test', type: 'A', data: '127.53.3.2' },
    ],
  });
  child = await startDnsServer({ address: '127.53.3.2', port, zones: ['e2e.test'], records: zoneRecords });
  resolver = await startDnsServer({
    address: '127.53.3.9',
    port,
    records: zoneRecords.filter((r) => r.type !== 'NS'),
  });
  dir = await mkdtemp(join(tmpdir(), 'mxoob-dns-e2e-'));
});

afterAll(async () => {
  await Promise.all([parent.close(), child.close(), resolver.close()]);
  await rm(dir, { recursive: true, force: true });
});

const env = () => ({
  MATRIX_OOB_DNS_ROOTS: `127.53.3.1:${port}`,
  MATRIX_OOB_DNS_AUTH_PORT: String(port),
  MATRIX_OOB_DNS_RESOLVERS: `127.53.3.9:${port}`,
  MATRIX_OOB_DNS_SYSTEM_RESOLVER: '0',
  MATRIX_OOB_DNS_QUERY_TIMEOUT_MS: '300',
  NO_COLOR: '1',
});

function cli(args: string[], extraEnv: Record<string, string> = {}) {
  return execa('node', [CLI, ...args], { reject: false, env: { ...env(), ...extraEnv }, cwd: dir });
}

describe('matrix-oob dns check (built CLI)', () => {
  it('exits 0 when ready, with the JSON report on stdout and the table on stderr', async () => {
    const r = await cli(['--json', 'dns', 'check', '--domain', 'e2e.test', '--ip', IP]);
    expect(r.exitCode).toBe(0);
    const report = JSON.parse(r.stdout) as DnsReport;
    expect(report.ready).toBe(true);
    expect(report.schema).toBe(1);
    expect(report.records.map((x) => [x.name, x.type, x.state])).toEqual([
      ['matrix.e2e.test', 'A', 'ok'],
      ['element.e2e.test', 'A', 'ok'],
      ['e2e.test', 'A', 'ok'],
    ]);
    expect(report.records[0]!.public.map((p) => [p.address, p.state])).toEqual([['127.53.3.9', 'ok']]);
    expect(r.stderr).toContain('READY: every required record is right');
    expect(r.stderr).toMatch(
      /matrix\.e2e\.test\s+A\s+ns1\.e2e\.test 127\.53\.3\.2\s+ok\s+192\.0\.2\.10\s+300\s+\d+ms/,
    );
  });

  it('exits 3 when not ready, and the JSON names the wrong value', async () => {
    const r = await cli(['--json', 'dns', 'check', '--domain', 'e2e.test', '--ip', '192.0.2.11']);
    expect(r.exitCode).toBe(3);
    const report = JSON.parse(r.stdout) as DnsReport;
    expect(report.ready).toBe(false);
    const m = report.records[0]!;
    expect(m.state).toBe('wrong');
    expect(m.public).toEqual([]); // not asked while the authoritative answer is wrong
    expect(m.authoritative[0]).toMatchObject({ server: 'ns1.e2e.test', values: [IP], state: 'wrong' });
    expect(report.findings.find((f) => f.subject === 'matrix.e2e.test A')?.fix).toBe(
      'change the record to: matrix.e2e.test. A 192.0.2.11',
    );
    expect(r.stderr).toContain('NOT READY');
  });

  it('reads the case config, including its dns: section', async () => {
    const caseDir = join(dir, 'case');
    await execa('mkdir', ['-p', caseDir]);
    await writeFile(
      join(caseDir, 'matrix-oob.yml'),
      [
        'domain: e2e.test',
        'server:',
        `  address: ${IP}`,
        'serve_base_domain: false',
        'dns:',
        `  roots: ["127.53.3.1:${port}"]`,
        `  auth_port: ${port}`,
        '  resolvers: [none]',
        '  system_resolver: false',
        '',
      ].join('\n'),
    );
    const r = await execa('node', [CLI, '--json', '--case', caseDir, 'dns', 'check'], {
      reject: false,
      env: { NO_COLOR: '1' },
    });
    expect(r.exitCode).toBe(0);
    const report = JSON.parse(r.stdout) as DnsReport;
    expect(report.records.map((x) => x.name)).toEqual(['matrix.e2e.test', 'element.e2e.test']);
    expect(report.records[0]!.public).toEqual([]);
    const lines = (await readFile(join(caseDir, 'journal.jsonl'), 'utf8')).trim().split('\n');
    expect(JSON.parse(lines[lines.length - 1]!)).toMatchObject({
      command: 'dns check',
      result: 'ok',
      exit_code: 0,
      ready: true,
    });
  });

  it('--wait re-checks one line per round without a TTY, then exits 3 at the deadline', async () => {
    const r = await cli([
      'dns',
      'check',
      '--domain',
      'e2e.test',
      '--ip',
      '192.0.2.11',
      '--wait',
      '--timeout',
      '1s',
      '--interval',
      '300ms',
    ]);
    expect(r.exitCode).toBe(3);
    const rounds = r.stderr.split('\n').filter((l) => /^round \d+: 0\/3 records ok, not ready/.test(l));
    expect(rounds.length).toBeGreaterThanOrEqual(3);
  });

  it('--wait exits 0 as soon as the records are right', async () => {
    const r = await cli(['dns', 'check', '--domain', 'e2e.test', '--ip', IP, '--wait', '--timeout', '5s']);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain('round 1: 3/3 records ok, ready');
  });

  it('exits 1 when the check itself cannot run (no root server answers)', async () => {
    const r = await cli(['dns', 'check', '--domain', 'e2e.test', '--ip', IP], {
      MATRIX_OOB_DNS_ROOTS: `127.53.3.77:${port}`,
    });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('error: DNS check could not run: no server of the root gave a usable answer');
    expect(r.stdout).toBe('');
  });

  it.each([
    [['--domain', 'e2e.test'], '--domain needs the server address: add --ip'],
    [['--domain', 'e2e.test', '--ip', '300.1.1.1'], '--ip: "300.1.1.1" is not an IPv4 address'],
    [['--domain', 'https://e2e.test', '--ip', IP], '--domain: must not contain a scheme'],
    [
      ['--domain', 'e2e.test', '--ip', IP, '--wait', '--timeout', 'soon'],
      '--timeout: "soon" is not a duration',
    ],
    [
      ['--domain', 'e2e.test', '--ip', IP, '--wait', '--interval', '0'],
      '--interval: must be more than 0, got "0"; use e.g. 10s',
    ],
    [
      ['--domain', 'e2e.test', '--ip', IP, '--auth-port', '0'],
      '--auth-port: must be a whole number from 1 to 65535',
    ],
    [
      ['--domain', 'e2e.test', '--ip', IP, '--resolver', 'dns.google'],
      '--resolver: "dns.google" is not an IP address',
    ],
    [[], 'no case in'],
  ])('exits 2 on bad usage: %j', async (args, message) => {
    const r = await cli(['dns', 'check', ...args]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stdout).toBe('');
  });

  it('exits 2 with the field named when the dns: section is wrong', async () => {
    const caseDir = join(dir, 'badcase');
    await execa('mkdir', ['-p', caseDir]);
    await writeFile(
      join(caseDir, 'matrix-oob.yml'),
      `domain: e2e.test\nserver:\n  address: ${IP}\ndns:\n  auth_prot: 53\n`,
    );
    const r = await cli(['--case', caseDir, 'dns', 'check']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('dns.auth_prot: unknown key; did you mean "auth_port"?');
  });

  it('refuses a server.address that is one of the checked names', async () => {
    const caseDir = join(dir, 'hostcase');
    await execa('mkdir', ['-p', caseDir]);
    await writeFile(
      join(caseDir, 'matrix-oob.yml'),
      'domain: e2e.test\nserver:\n  address: matrix.e2e.test\n',
    );
    const r = await cli(['--case', caseDir, 'dns', 'check']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('server.address is matrix.e2e.test, one of the names this check verifies');
    const ok = await cli(['--case', caseDir, 'dns', 'check', '--ip', IP]);
    expect(ok.exitCode).toBe(0);
  });

  it('resolves a host-name server.address by its own lookups and expects that address', async () => {
    const caseDir = join(dir, 'hostname');
    await execa('mkdir', ['-p', caseDir]);
    await writeFile(join(caseDir, 'matrix-oob.yml'), 'domain: e2e.test\nserver:\n  address: host.e2e.test\n');
    const r = await cli(['--case', caseDir, '--json', 'dns', 'check']);
    expect(r.stderr).toContain(`server.address host.e2e.test resolves to ${IP}: expecting that`);
    expect(r.exitCode).toBe(0);
    expect((JSON.parse(r.stdout) as DnsReport).records[0]!.expected).toEqual([IP]);
  });
});
