import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';

// control-room sends the admin's password to the homeserver (issue #9, item 11): a URL left in
// the environment from another case must not redirect it. An override has to name this case's
// server (matrix.<domain> or server.address) or this machine; the error names where it came from.
describe('control-room target', () => {
  let dir: string;
  let caseDir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'matrix-oob-crt-'));
    const config = join(dir, 'case.yml');
    writeFileSync(
      config,
      'domain: example.test\nserver:\n  address: 192.0.2.10\nusers:\n  - name: alice\n    admin: true\n',
    );
    caseDir = join(dir, 'case');
    expect((await runCli(['init', '--config', config, '--yes', caseDir])).exitCode).toBe(0);
    writeFileSync(join(caseDir, 'credentials', 'alice.txt'), 'password: Alice-Secret-Password-1\n', {
      mode: 0o600,
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** control-room with `args`, refused: exit 2. */
  async function refused(args: string[], env?: NodeJS.ProcessEnv) {
    const r = await runCli(['-C', caseDir, 'control-room', ...args], env ? { env } : {});
    expect(r.exitCode).toBe(2);
    return r;
  }

  it("refuses another case's server from the environment or the flag, before sending anything", async () => {
    const env = await refused(['--timeout', '2'], {
      MATRIX_OOB_CONTROL_ROOM_URL: 'https://matrix.other-case.test',
    });
    expect(env.stderr).toContain(
      "error: MATRIX_OOB_CONTROL_ROOM_URL (from the environment) https://matrix.other-case.test is not this case's server (matrix.example.test or 192.0.2.10)",
    );
    expect(env.stderr).toContain('unset MATRIX_OOB_CONTROL_ROOM_URL');
    expect(env.all).not.toContain('Alice-Secret-Password-1');
    const flag = await refused(['--homeserver-url', 'https://203.0.113.99']);
    expect(flag.stderr).toContain("--homeserver-url https://203.0.113.99 is not this case's server");
  });

  it("accepts this case's own server by name or address (then fails to reach it here: exit 1)", async () => {
    const r = await runCli([
      '-C',
      caseDir,
      'control-room',
      '--timeout',
      '1',
      '--homeserver-url',
      'https://192.0.2.10',
    ]);
    expect(r.stderr).not.toContain("is not this case's server");
    expect(r.exitCode).toBe(1);
  });

  // --server-url names a fallback server: a domain that is none (a typo, or this case's main
  // server) was silently left unused, and the default URL was tried instead.
  it('refuses a --server-url whose domain is not a fallback server of the case: exit 2, nothing sent', async () => {
    const r = await refused([
      '--timeout',
      '1',
      '--server-url',
      'exmaple-backup.test=https://matrix.exmaple-backup.test',
    ]);
    expect(r.stderr).toContain(
      'error: --server-url "exmaple-backup.test=https://matrix.exmaple-backup.test": exmaple-backup.test is not a fallback server of this case',
    );
    expect(r.stderr).toContain('hint: add the server to matrix-oob.yml first (docs/fallback.md)');
    expect(r.stderr).not.toContain('cannot reach');
    const bad = await refused(['--server-url', 'no-equals-sign']);
    expect(bad.stderr).toContain('error: --server-url "no-equals-sign" is not DOMAIN=URL');
  });
});
