import { appendFileSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { FALLBACK_DOMAIN, FALLBACK_HOST } from '../helpers/case.js';
import { runCli as cli } from '../helpers/cli.js';
import { fixtureSuite } from '../helpers/fixture-suite.js';

// trust-host and doctor with a fallback server: two real sshd on loopback, real ssh-keyscan and ssh.
describe('trust-host and doctor with a fallback server', () => {
  const bed = fixtureSuite({ name: 'fb-ssh', fallback: true, roles: false, case: {} });

  beforeAll(() => {
    // One client key for both (doctor logs in with ANSIBLE_PRIVATE_KEY_FILE).
    appendFileSync(join(bed.fallback.dir, 'authorized_keys'), readFileSync(`${bed.sshd.clientKey}.pub`));
    unlinkSync(join(bed.caseDir, 'known_hosts'));
  });
  /** `trust-host --fingerprint FP` for the main server, or with `--server DOMAIN`. */
  const trustHost = (fingerprint: string, server?: string) =>
    cli([
      '--case',
      bed.caseDir,
      'trust-host',
      ...(server ? ['--server', server] : []),
      '--fingerprint',
      fingerprint,
    ]);

  it('pins each server with --server; doctor logs in to both and names the one not pinned', async () => {
    const wrong = await trustHost(bed.sshd.hostFingerprint, FALLBACK_DOMAIN);
    expect(wrong.exitCode).toBe(1);
    expect(wrong.stderr).toContain('NO KEY MATCHES');
    const pinMain = await trustHost(bed.sshd.hostFingerprint);
    expect(pinMain.exitCode).toBe(0);
    expect(pinMain.stderr).toContain(`pin each one too, with --server ${FALLBACK_DOMAIN}`);

    const env = { env: { ...process.env, ANSIBLE_PRIVATE_KEY_FILE: bed.sshd.clientKey } };
    const before = JSON.parse((await cli(['--case', bed.caseDir, '--json', 'doctor'], env)).stdout);
    const fb = before.checks.find((c: { id: string }) => c.id === `ssh-${FALLBACK_DOMAIN}`);
    expect(fb.status).toBe('fail');
    expect(fb.fix).toContain(`trust-host --server ${FALLBACK_DOMAIN}`);

    const pinFb = await trustHost(bed.fallback.hostFingerprint, FALLBACK_DOMAIN);
    expect(pinFb.exitCode).toBe(0);
    expect(readFileSync(join(bed.caseDir, 'known_hosts'), 'utf8')).toBe(
      `${bed.sshd.knownHostsLine}\n${bed.fallback.knownHostsLine}\n`,
    );

    const after = JSON.parse((await cli(['--case', bed.caseDir, '--json', 'doctor'], env)).stdout);
    const status = (id: string) => after.checks.find((c: { id: string }) => c.id === id)?.status;
    expect(status('ssh')).toBe('pass');
    expect(status(`ssh-${FALLBACK_DOMAIN}`)).toBe('pass');
    const group = after.checks.find((c: { summary: string }) => c.summary.startsWith('[matrix_servers]'));
    expect(group).toMatchObject({ status: 'pass' });
    expect(group.summary).toContain(FALLBACK_HOST);
  }, 120_000);

  it('refuses an unknown --server with exit 2', async () => {
    const r = await trustHost(bed.sshd.hostFingerprint, 'nope.test');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('--server nope.test: not a server of this case');
  });
});
