import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { parse } from 'yaml';
import { ROOT, runCli, tempDir } from '../helpers/cli.js';
import { type FakeDnsServer, freePort, startDnsServer } from '../helpers/dns-server.js';

// Issue #10 through the built CLI: the records to create, the DNS dead end, the one --json
// failure shape, init's warnings and "Next:" lines, help order. DNS servers on 127.53.10.0/24
// (this suite only): .1 answers like a resolver (an intercepting network), .2 serves f.test.
const tmp = tempDir('matrix-oob-first-hour-');
let port: number;
let interceptor: FakeDnsServer;
let root: FakeDnsServer;
const env = (extra: Record<string, string> = {}) => ({
  MATRIX_OOB_DNS_AUTH_PORT: String(port),
  MATRIX_OOB_DNS_RESOLVERS: 'none',
  MATRIX_OOB_DNS_SYSTEM_RESOLVER: '0',
  MATRIX_OOB_DNS_QUERY_TIMEOUT_MS: '300',
  MATRIX_OOB_CASE: '',
  ...extra,
});
const cli = (args: string[], extra: Record<string, string> = {}, cwd = tmp.dir) =>
  runCli(args, { cwd, env: env(extra) });

function makeCase(name: string, lines: string[] = []): string {
  const file = join(tmp.dir, `${name}.yml`);
  writeFileSync(
    file,
    ['domain: f.test', 'server:', '  address: 203.0.113.10', '  ipv6: 2001:db8::10', ...lines, ''].join('\n'),
  );
  return file;
}

beforeAll(async () => {
  port = await freePort('127.53.10.1', ['127.53.10.2']);
  interceptor = await startDnsServer({ address: '127.53.10.1', port, records: [] });
  root = await startDnsServer({ address: '127.53.10.2', port, zones: ['test'], records: [] });
});
afterAll(async () => {
  await Promise.all([interceptor.close(), root.close()]);
  tmp.cleanup();
});

describe('2: the records to create, and a way on when DNS cannot be checked', () => {
  let kase: string;
  beforeAll(async () => {
    kase = join(tmp.dir, 'case');
    const r = await cli([
      'init',
      '--config',
      makeCase('c', ['playbook:', `  path: ${join(ROOT, 'tests/fixtures/mdad')}`]),
      '--yes',
      kase,
    ]);
    expect(r.exitCode).toBe(0);
    // init ends with the records and the command that goes on.
    expect(r.stderr).toContain('Records to create for f.test (at its DNS provider):');
    expect(r.stderr).toMatch(/matrix\.f\.test\.\s+300\s+IN\s+A\s+203\.0\.113\.10/);
    expect(r.stderr).toContain(`Next: create these DNS records ("matrix-oob dns records --case ${kase}"`);
  });

  it('dns records: JSON with matrix.<domain> and the address; zone-file lines on stdout', async () => {
    const json = await cli(['--json', '--case', kase, 'dns', 'records']);
    expect(json.exitCode).toBe(0);
    const doc = JSON.parse(json.stdout);
    expect(doc.ok).toBe(true);
    expect(doc.records).toContainEqual(
      expect.objectContaining({ name: 'matrix.f.test', type: 'A', value: '203.0.113.10', required: true }),
    );
    expect(doc.records).toContainEqual(
      expect.objectContaining({ name: 'matrix.f.test', type: 'AAAA', value: '2001:db8::10' }),
    );
    const plain = await cli(['--case', kase, 'dns', 'records']);
    expect(plain.exitCode).toBe(0);
    expect(plain.stdout.split('\n')).toContain('matrix.f.test.   300  IN  A      203.0.113.10');
    expect(plain.stderr).toMatch(/matrix\.f\.test\s+A\s+203\.0\.113\.10\s+the homeserver/);
  });

  it('an intercepting network: the records, --skip-dns-check named, and a JSON document', async () => {
    const r = await cli(['--json', '--case', kase, 'dns', 'check'], {
      MATRIX_OOB_DNS_ROOTS: `127.53.10.1:${port}`,
    });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('something on this network intercepts DNS');
    expect(r.stderr).toMatch(/matrix\.f\.test\.\s+300\s+IN\s+A\s+203\.0\.113\.10/);
    expect(r.stderr).toContain(`matrix-oob up --case ${kase} --skip-dns-check`);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({
      ok: false,
      exit_code: 1,
      next: `matrix-oob up --case ${kase} --skip-dns-check`,
    });
    expect(doc.error).toContain('intercepts DNS');
    expect(doc.hint).toContain('--skip-dns-check');
    expect(doc.records_to_create.map((x: { name: string }) => x.name)).toContain('matrix.f.test');

    // deploy's gate stops the same way, and names its own way on; so does up.
    writeFileSync(join(kase, 'known_hosts'), '');
    const up = await cli(['--case', kase, 'up', '--yes'], { MATRIX_OOB_DNS_ROOTS: `127.53.10.1:${port}` });
    expect(up.exitCode).toBe(1);
    expect(up.stderr).toMatch(/matrix\.f\.test\.\s+300\s+IN\s+A\s+203\.0\.113\.10/);
    expect(up.stderr).toContain(`next: matrix-oob up --case ${kase} --yes --skip-dns-check`);
    const d = await cli(['--json', '--case', kase, 'deploy'], {
      MATRIX_OOB_DNS_ROOTS: `127.53.10.1:${port}`,
    });
    expect(d.exitCode).toBe(1);
    expect(JSON.parse(d.stdout)).toMatchObject({
      ok: false,
      next: `matrix-oob deploy --case ${kase} --skip-dns-check`,
    });
  });

  it('records not there yet: exit 3, the records to create, JSON with ok: false', async () => {
    const r = await cli(['--json', '--case', kase, 'dns', 'check'], {
      MATRIX_OOB_DNS_ROOTS: `127.53.10.2:${port}`,
    });
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain('Records to create for f.test');
    expect(r.stderr).toContain('--skip-dns-check');
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({
      ok: false,
      ready: false,
      exit_code: 3,
      next: `matrix-oob dns check --wait --case ${kase}`,
    });
    expect(doc.records.length).toBeGreaterThan(0);
  });
});

describe('9: --json failures print {"ok": false, "error", "hint", "next"}', () => {
  it.each([
    ['a usage error', ['--json', 'deploy', '--stage', 'nope']],
    ['trust-host without a case', ['--json', '--case', join(tmp.dir, 'none'), 'trust-host']],
    ['control-room without a case', ['--json', '--case', join(tmp.dir, 'none'), 'control-room']],
    ['dns check without a case', ['--json', '--case', join(tmp.dir, 'none'), 'dns', 'check']],
    ['verify without a case', ['--json', '--case', join(tmp.dir, 'none'), 'verify']],
    [
      'teardown without a case',
      ['--json', '--case', join(tmp.dir, 'none'), 'teardown', '--confirm', 'x.test'],
    ],
    ['user remove without a case', ['--json', '--case', join(tmp.dir, 'none'), 'user', 'remove', 'bob']],
    ['dns records without a case', ['--json', '--case', join(tmp.dir, 'none'), 'dns', 'records']],
  ])('%s', async (_what, args) => {
    const r = await cli(args);
    expect(r.exitCode).toBe(2);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ ok: false, exit_code: 2 });
    expect(typeof doc.error).toBe('string');
    expect(doc).toHaveProperty('hint');
    expect(doc).toHaveProperty('next');
  });
});

describe('7, 8, 11, 12: init and the case folder', () => {
  it('7: a private address is written with a warning naming what will not work', async () => {
    const file = join(tmp.dir, 'private.yml');
    writeFileSync(file, 'domain: p.test\nserver:\n  address: 10.0.0.5\n');
    const r = await cli(['init', '--config', file, '--yes', join(tmp.dir, 'private-case')]);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain(
      'warning: server.address: 10.0.0.5 is a private address, not reachable from the internet',
    );
    const d = await cli(['--case', join(tmp.dir, 'private-case'), 'dns', 'records']);
    expect(d.stderr).toContain('10.0.0.5 is a private address');
  });

  it('8: secrets inside a git working tree that would track them: a warning; ignored: none', async () => {
    const repo = join(tmp.dir, 'clone');
    mkdirSync(repo);
    await execa('git', ['init', '-q', repo]);
    const file = makeCase('git');
    const tracked = await cli(['init', '--config', file, '--yes', 'ir-1'], {}, repo);
    expect(tracked.exitCode).toBe(0);
    expect(tracked.stderr).toContain(
      `warning: the case folder ${join(repo, 'ir-1')} is inside the git working tree ${repo}`,
    );
    writeFileSync(join(repo, '.gitignore'), '/matrix-oob-*/\n');
    const ignored = await cli(['init', '--config', file, '--yes'], {}, repo);
    expect(ignored.exitCode).toBe(0);
    expect(ignored.stderr).not.toContain('git working tree');
    // The project's own clone ignores the default case folders.
    expect(readFileSync(join(ROOT, '.gitignore'), 'utf8')).toContain('/matrix-oob-*/');
  });

  it('11: init on a deployed case says to apply the change, not to create DNS records', async () => {
    const kase = join(tmp.dir, 'deployed');
    const file = makeCase('deployed');
    expect((await cli(['init', '--config', file, '--yes', kase])).exitCode).toBe(0);
    writeFileSync(
      join(kase, 'state.json'),
      JSON.stringify({
        version: 1,
        deploy: {
          plan: ['setup', 'start'],
          started_at: '2026-01-01T00:00:00Z',
          stages: {
            setup: { status: 'finished', at: '2026-01-01T00:00:00Z' },
            start: { status: 'finished', at: '2026-01-01T00:00:00Z' },
          },
        },
      }),
    );
    const r = await cli(['init', '--config', join(kase, 'matrix-oob.yml'), '--yes']);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain(
      `Next: the server runs the previous settings; apply these with "matrix-oob deploy --case ${kase}"`,
    );
    expect(r.stderr).not.toContain('create these DNS records');
  });

  it('5: init on an existing case without questions changes only what the flags say', async () => {
    const kase = join(tmp.dir, 'keep');
    const file = makeCase('keep', [
      'letsencrypt_email: soc@f.test',
      'users:',
      '  - name: lead',
      '    admin: true',
      '  - name: bob',
      '  - name: carol',
    ]);
    expect((await cli(['init', '--config', file, '--yes', kase])).exitCode).toBe(0);
    const r = await cli(['init', '--yes', '--address', '198.51.100.8', kase]);
    expect(r.exitCode).toBe(0);
    const cfg = parse(readFileSync(join(kase, 'matrix-oob.yml'), 'utf8'));
    expect(cfg.server).toMatchObject({ address: '198.51.100.8', ipv6: '2001:db8::10' });
    expect(cfg.letsencrypt_email).toBe('soc@f.test');
    expect(cfg.users.map((u: { name: string }) => u.name)).toEqual(['lead', 'bob', 'carol']);
  });

  it('11: teardown reminds to delete the DNS records and the VPS', async () => {
    const kase = join(tmp.dir, 'closing');
    expect((await cli(['init', '--config', makeCase('closing'), '--yes', kase])).exitCode).toBe(0);
    const r = await cli(['--case', kase, 'teardown', '--local-only', '--confirm', 'f.test']);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain(
      'Next: delete the DNS records at the DNS provider (matrix.f.test A, matrix.f.test AAAA, element.f.test A, f.test A)',
    );
    expect(r.stderr).toContain('then delete the server (VPS) at the provider');
  });

  it('12: a file where a case folder should be, in init and in --case', async () => {
    const file = join(tmp.dir, 'a-file');
    writeFileSync(file, 'x');
    const init = await cli(['init', '--config', makeCase('f'), '--yes', file]);
    expect(init.exitCode).toBe(2);
    expect(init.stderr).toContain(
      `error: cannot create the case folder ${file}: ${file} is a file, not a folder`,
    );
    const c = await cli(['--case', file, 'dns', 'records']);
    expect(c.exitCode).toBe(2);
    expect(c.stderr).toContain(`error: --case ${file}: ${file} is a file, not a case folder`);
    expect(c.stderr).not.toContain('ENOTDIR');
  });

  it('12: up is listed first; test-only DNS flags are not in the help', async () => {
    const help = await cli(['--help']);
    const commands = help.stdout.slice(help.stdout.indexOf('Commands:')).split('\n').slice(1);
    expect(commands[0]).toMatch(/^\s+up \[options\]/);
    const dns = await cli(['dns', 'check', '--help']);
    expect(dns.stdout).not.toContain('--auth-port');
    expect(dns.stdout).not.toContain('--root');
    const records = await cli(['dns', '--help']);
    expect(records.stdout).toContain('records');
  });
});
