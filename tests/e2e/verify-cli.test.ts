import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeCase } from '../helpers/case.js';
import { spawnCli } from '../helpers/cli-process.js';
import { type FakeDeployment, startFakeDeployment } from '../helpers/fake-deployment.js';
import { createTestCa, type TestCa } from '../helpers/test-ca.js';

const DOMAIN = 'oob-verify-cli.test';

let ca: TestCa;
let deployment: FakeDeployment;
let kase: { dir: string; cleanup(): Promise<void> };

beforeAll(async () => {
  ca = await createTestCa();
  deployment = await startFakeDeployment(ca, DOMAIN);
  kase = await makeCase({ domain: DOMAIN, server: { address: '203.0.113.10' }, element: false });
});

afterAll(async () => {
  await deployment?.close();
  await ca?.cleanup();
  await kase?.cleanup();
});

const connectArgs = () => deployment.connectTo().flatMap((s) => ['--connect-to', s]);

describe('matrix-oob verify (built CLI)', () => {
  it('exits 0 with a JSON report on stdout and the human report on stderr', async () => {
    const r = await spawnCli(['--case', kase.dir, '--json', 'verify', ...connectArgs()], {
      MATRIX_OOB_CA_FILE: ca.caFile,
    });
    expect(r.exitCode).toBe(0);
    const report = JSON.parse(String(r.stdout));
    expect(report).toMatchObject({ domain: DOMAIN, ok: true, failed: 0 });
    expect(report.checks.map((c: { id: string }) => c.id)).toEqual([
      'well-known-server',
      'well-known-client',
      'client-api',
      'federation',
    ]);
    expect(String(r.stderr)).toContain('Verdict: ready: all 4 checks passed.');
    const journal = await readFile(join(kase.dir, 'journal.jsonl'), 'utf8');
    expect(journal).toContain('"command":"verify","result":"ok"');
  });

  it('exits 1 naming the failed check and its fix when something is wrong', async () => {
    deployment.routes.set(`${DOMAIN}/.well-known/matrix/server`, {
      status: 200,
      body: '{"m.server":"nope"}',
    });
    try {
      const r = await spawnCli([
        '--case',
        kase.dir,
        '--json',
        'verify',
        '--ca-file',
        ca.caFile,
        ...connectArgs(),
      ]);
      expect(r.exitCode).toBe(1);
      const report = JSON.parse(String(r.stdout));
      expect(report.ok).toBe(false);
      expect(report.checks[0]).toMatchObject({ id: 'well-known-server', status: 'fail' });
      const err = String(r.stderr);
      expect(err).toMatch(/FAIL {2}well-known server/);
      expect(err).toContain(`m.server is "nope", expected "matrix.${DOMAIN}:8448"`);
      expect(err).toContain('fix: this server serves');
      expect(err).toContain('Verdict: NOT ready: 1 of 4 checks failed');
    } finally {
      deployment.routes.set(`${DOMAIN}/.well-known/matrix/server`, {
        status: 200,
        body: JSON.stringify({ 'm.server': `matrix.${DOMAIN}:8448` }),
      });
    }
  });

  it('exits 2 on a malformed --connect-to, with one line naming the flag', async () => {
    const r = await spawnCli(['--case', kase.dir, 'verify', '--connect-to', 'matrix.example.com:443']);
    expect(r.exitCode).toBe(2);
    expect(String(r.stderr)).toContain(
      'error: --connect-to "matrix.example.com:443" is not HOST:PORT:ADDR:PORT',
    );
    expect(String(r.stdout)).toBe('');
  });

  it('exits 2 on a malformed MATRIX_OOB_CONNECT_TO, naming the variable rather than the flag', async () => {
    const r = await spawnCli(['--case', kase.dir, 'verify'], {
      MATRIX_OOB_CONNECT_TO: 'matrix.example.com:443',
    });
    expect(r.exitCode).toBe(2);
    expect(String(r.stderr)).toContain(
      'error: MATRIX_OOB_CONNECT_TO "matrix.example.com:443" is not HOST:PORT:ADDR:PORT',
    );
    expect(String(r.stderr)).toContain('hint: fix or unset MATRIX_OOB_CONNECT_TO');
    expect(String(r.stdout)).toBe('');
  });

  it('exits 2 when the CA file does not exist', async () => {
    const r = await spawnCli(['--case', kase.dir, 'verify'], { MATRIX_OOB_CA_FILE: '/nonexistent/ca.pem' });
    expect(r.exitCode).toBe(2);
    expect(String(r.stderr)).toContain('cannot read --ca-file /nonexistent/ca.pem: no such file');
  });

  it('exits 2 when the CA file holds no PEM certificate, naming the file and the fix', async () => {
    const file = join(kase.dir, 'not-a-ca.txt');
    await writeFile(file, 'just some text\n');
    const r = await spawnCli(['--case', kase.dir, '--json', 'verify', '--ca-file', file]);
    expect(r.exitCode).toBe(2);
    expect(String(r.stderr)).toContain(`error: --ca-file ${file} holds no PEM certificate`);
    expect(JSON.parse(String(r.stdout))).toMatchObject({
      ok: false,
      hint: 'give a PEM file that contains "-----BEGIN CERTIFICATE-----" blocks',
      exit_code: 2,
    });
  });

  it('exits 2 on a bad --timeout', async () => {
    const r = await spawnCli(['--case', kase.dir, 'verify', '--timeout', 'soon']);
    expect(r.exitCode).toBe(2);
    expect(String(r.stderr)).toContain('--timeout "soon" is not a number of seconds');
  });
});
