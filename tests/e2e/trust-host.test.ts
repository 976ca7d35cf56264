import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireLockFile } from '../../src/case/lock.js';
import { runTrustHost } from '../../src/commands/trust-host/run.js';
import { ExitError, UserError } from '../../src/errors.js';
import { memoryOutput } from '../../src/ui/output.js';
import { scriptedPrompts } from '../../src/ui/prompts.js';
import { writeHandCase } from '../helpers/case.js';
import { runCli as cli } from '../helpers/cli.js';
import { freePort, startSshd, type TestSshd } from '../helpers/sshd.js';

// trust-host against a real sshd on loopback: real ssh-keyscan, fingerprints checked against
// what ssh-keygen -l says, the pinned key then accepted by a real ssh (via doctor).
describe('trust-host', () => {
  let tmp: string;
  let sshd: TestSshd;
  let n = 0;
  const newCase = (port = sshd.port) => writeHandCase(join(tmp, `case-${++n}`), { port }).root;
  const knownHosts = (root: string) => join(root, 'known_hosts');

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'matrix-oob-trust-'));
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('pins exactly the key with the given fingerprint, 0600, and ssh then accepts it', async () => {
    const root = newCase();
    const r = await cli(['--case', root, '--json', 'trust-host', '--fingerprint', sshd.hostFingerprint]);
    expect(r.stderr).toContain(`ED25519  ${sshd.hostFingerprint}`);
    expect(r.exitCode).toBe(0);
    expect(readFileSync(knownHosts(root), 'utf8')).toBe(`${sshd.knownHostsLine}\n`);
    expect(statSync(knownHosts(root)).mode & 0o777).toBe(0o600);
    expect(r.stderr).toContain(
      `Next: "matrix-oob doctor --case ${root}" checks everything before the install`,
    );
    expect(JSON.parse(r.stdout)).toMatchObject({
      host: '127.0.0.1',
      port: sshd.port,
      pinned: { type: 'ssh-ed25519', fingerprint: sshd.hostFingerprint },
      replaced: [],
    });
    // The real ssh client, with strict checking, now logs in (doctor's ssh check).
    const doctor = await cli(['--case', root, '--json', 'doctor'], {
      env: { ...process.env, ANSIBLE_PRIVATE_KEY_FILE: sshd.clientKey },
    });
    const ssh = JSON.parse(doctor.stdout).checks.find((c: { id: string }) => c.id === 'ssh');
    expect(ssh.status).toBe('pass');
    expect(readFileSync(join(root, 'journal.jsonl'), 'utf8')).toContain(
      `"fingerprint":"${sshd.hostFingerprint}"`,
    );
  });

  it('pins under known_hosts.lock: waits while another pin is being written, then keeps both', async () => {
    const root = newCase();
    const other =
      'other.example.test ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKeepMeKeepMeKeepMeKeepMeKeepMeKeepMe0000';
    // Another trust-host (this process) holds the lock and is about to write its own pin.
    const release = await acquireLockFile(`${knownHosts(root)}.lock`, 'trust-host', 'known_hosts');
    const run = cli(['--case', root, 'trust-host', '--fingerprint', sshd.hostFingerprint]);
    await new Promise((r) => setTimeout(r, 1500));
    expect(existsSync(knownHosts(root))).toBe(false);
    writeFileSync(knownHosts(root), `${other}\n`, { mode: 0o600 });
    await release();
    const r = await run;
    expect(r.exitCode).toBe(0);
    expect(readFileSync(knownHosts(root), 'utf8')).toBe(`${other}\n${sshd.knownHostsLine}\n`);
  });

  it('refuses a fingerprint that matches no key (possible MITM) and writes nothing', async () => {
    const root = newCase();
    const wrong = 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    const r = await cli(['--case', root, 'trust-host', '--fingerprint', wrong]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`NO KEY MATCHES ${wrong}`);
    expect(r.stderr).toContain('POSSIBLE MAN-IN-THE-MIDDLE ATTACK');
    expect(existsSync(knownHosts(root))).toBe(false);
  });

  it('refuses --yes without --fingerprint, and a malformed fingerprint', async () => {
    const root = newCase();
    const yes = await cli(['--case', root, '--yes', 'trust-host']);
    expect(yes.exitCode).toBe(2);
    expect(yes.stderr).toContain('refusing to pin a host key nobody checked: --yes needs --fingerprint');
    // No terminal: the same refusal (nobody can compare the fingerprint).
    const noTty = await cli(['--case', root, 'trust-host']);
    expect(noTty.exitCode).toBe(2);
    const md5 = await cli(['--case', root, 'trust-host', '--fingerprint', 'aa:bb:cc:dd']);
    expect(md5.exitCode).toBe(2);
    expect(md5.stderr).toContain('is not a SHA256 fingerprint');
    expect(existsSync(knownHosts(root))).toBe(false);
  });

  it('replaces a stale key for the same host and keeps other hosts', async () => {
    const root = newCase();
    const old = join(tmp, 'old-key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', old]);
    const oldLine = `[127.0.0.1]:${sshd.port} ${readFileSync(`${old}.pub`, 'utf8').split(' ').slice(0, 2).join(' ')}`;
    const other = `other.example.test ${readFileSync(`${old}.pub`, 'utf8').split(' ').slice(0, 2).join(' ')}`;
    writeFileSync(knownHosts(root), `${other}\n${oldLine}\n`, { mode: 0o600 });
    const r = await cli([
      '--case',
      root,
      'trust-host',
      '--fingerprint',
      sshd.hostFingerprint.replace('SHA256:', ''),
    ]);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain('replaced the previously pinned ED25519 key');
    expect(readFileSync(knownHosts(root), 'utf8')).toBe(`${other}\n${sshd.knownHostsLine}\n`);
  });

  it('says clearly when the server does not answer', async () => {
    const root = newCase(await freePort());
    const r = await cli(['--case', root, 'trust-host', '--fingerprint', sshd.hostFingerprint]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('no SSH host key received from 127.0.0.1');
    expect(existsSync(knownHosts(root))).toBe(false);
  });

  it('interactively pins the key the human picked, and nothing when none matches', async () => {
    const root = newCase();
    const globals = { case: root, json: false, yes: false };
    const out = memoryOutput();
    const prompts = scriptedPrompts([]);
    // The answer is chosen from the offered list: pick the ED25519 key.
    prompts.select = async <T>(
      _message: string,
      choices: readonly { name: string; value: T }[],
      initial?: T,
    ) => {
      // The cursor starts on "none of them match": Enter alone pins nothing.
      expect(initial).toBeNull();
      const hit = choices.find((c) => c.name.includes(sshd.hostFingerprint));
      if (!hit) throw new Error(`fingerprint not offered: ${choices.map((c) => c.name).join(', ')}`);
      return hit.value;
    };
    await runTrustHost({ flags: {}, globals, out, prompts, interactive: true });
    expect(readFileSync(knownHosts(root), 'utf8')).toBe(`${sshd.knownHostsLine}\n`);

    const root2 = newCase();
    const none = scriptedPrompts([null]);
    await expect(
      runTrustHost({
        flags: {},
        globals: { ...globals, case: root2 },
        out: memoryOutput(),
        prompts: none,
        interactive: true,
      }),
    ).rejects.toBeInstanceOf(ExitError);
    expect(none.asked[0]).toContain('verify out of band');
    expect(existsSync(knownHosts(root2))).toBe(false);
    // --yes is never enough, even on a terminal.
    await expect(
      runTrustHost({
        flags: {},
        globals: { ...globals, yes: true },
        out: memoryOutput(),
        prompts: scriptedPrompts([]),
        interactive: true,
      }),
    ).rejects.toBeInstanceOf(UserError);
  });
});
