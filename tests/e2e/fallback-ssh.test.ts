import { appendFileSync, mkdtempSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FALLBACK_DOMAIN, FALLBACK_HOST, writeFallbackCase } from '../helpers/case.js';
import { runCli as cli } from '../helpers/cli.js';
import { makeFixtureCheckout } from '../helpers/mdad-fixture.js';
import { startSshd, type TestSshd } from '../helpers/sshd.js';

// trust-host and doctor with a fallback server: two real sshd on loopback, real ssh-keyscan and ssh.
describe('trust-host and doctor with a fallback server', () => {
  let main: TestSshd;
  let fallback: TestSshd;
  let dir: string;
  let caseDir: string;

  beforeAll(async () => {
    [main, fallback] = await Promise.all([startSshd(), startSshd()]);
    // One client key for both (doctor logs in with ANSIBLE_PRIVATE_KEY_FILE).
    appendFileSync(join(fallback.dir, 'authorized_keys'), readFileSync(`${main.clientKey}.pub`));
    dir = mkdtempSync(join(tmpdir(), 'matrix-oob-fb-ssh-'));
    caseDir = writeFallbackCase(
      join(dir, 'case'),
      main,
      fallback,
      makeFixtureCheckout(join(dir, 'mdad'), { roles: false }),
    );
    unlinkSync(join(caseDir, 'known_hosts'));
  }, 60_000);
  afterAll(async () => {
    await Promise.all([main?.stop(), fallback?.stop()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('pins each server with --server; doctor logs in to both and names the one not pinned', async () => {
    const wrong = await cli([
      '--case',
      caseDir,
      'trust-host',
      '--server',
      FALLBACK_DOMAIN,
      '--fingerprint',
      main.hostFingerprint,
    ]);
    expect(wrong.exitCode).toBe(1);
    expect(wrong.stderr).toContain('NO KEY MATCHES');
    const pinMain = await cli(['--case', caseDir, 'trust-host', '--fingerprint', main.hostFingerprint]);
    expect(pinMain.exitCode).toBe(0);
    expect(pinMain.stderr).toContain(`pin each one too, with --server ${FALLBACK_DOMAIN}`);

    const env = { env: { ...process.env, ANSIBLE_PRIVATE_KEY_FILE: main.clientKey } };
    const before = JSON.parse((await cli(['--case', caseDir, '--json', 'doctor'], env)).stdout);
    const fb = before.checks.find((c: { id: string }) => c.id === `ssh-${FALLBACK_DOMAIN}`);
    expect(fb.status).toBe('fail');
    expect(fb.fix).toContain(`trust-host --server ${FALLBACK_DOMAIN}`);

    const pinFb = await cli([
      '--case',
      caseDir,
      'trust-host',
      '--server',
      FALLBACK_DOMAIN,
      '--fingerprint',
      fallback.hostFingerprint,
    ]);
    expect(pinFb.exitCode).toBe(0);
    expect(readFileSync(join(caseDir, 'known_hosts'), 'utf8')).toBe(
      `${main.knownHostsLine}\n${fallback.knownHostsLine}\n`,
    );

    const after = JSON.parse((await cli(['--case', caseDir, '--json', 'doctor'], env)).stdout);
    const status = (id: string) => after.checks.find((c: { id: string }) => c.id === id)?.status;
    expect(status('ssh')).toBe('pass');
    expect(status(`ssh-${FALLBACK_DOMAIN}`)).toBe('pass');
    const group = after.checks.find((c: { summary: string }) => c.summary.startsWith('[matrix_servers]'));
    expect(group).toMatchObject({ status: 'pass' });
    expect(group.summary).toContain(FALLBACK_HOST);
  }, 120_000);

  it('refuses an unknown --server with exit 2', async () => {
    const r = await cli([
      '--case',
      caseDir,
      'trust-host',
      '--server',
      'nope.test',
      '--fingerprint',
      main.hostFingerprint,
    ]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('--server nope.test: not a server of this case');
  });
});
