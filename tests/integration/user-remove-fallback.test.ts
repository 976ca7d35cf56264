import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { makeCase } from '../helpers/case.js';
import { spawnCli, startCli } from '../helpers/cli-process.js';
import { closedPort } from '../helpers/fake-deployment.js';
import { type FakeHomeserver, startFakeHomeserver } from '../helpers/fake-homeserver.js';

// `user remove` in a case with a fallback server (docs/fallback.md): the person has the same
// account and password on every server, so a seized device must lose all of them.
const MAIN = 'oob-remove-main.test';
const FALLBACK = 'oob-remove-fb.test';
const password = 'carol-Pw-123456';

let main: FakeHomeserver;
let fallback: FakeHomeserver;
let kase: { dir: string; cleanup(): Promise<void> };
const creds = () => join(kase.dir, 'credentials', 'carol.txt');

beforeAll(async () => {
  main = await startFakeHomeserver({ domain: MAIN, users: { carol: password } });
  fallback = await startFakeHomeserver({ domain: FALLBACK, users: { carol: password } });
  kase = await makeCase({
    domain: MAIN,
    server: { address: '203.0.113.10' },
    fallback: [{ domain: FALLBACK, server: { address: '198.51.100.20' } }],
    users: [{ name: 'lead', admin: true }, { name: 'carol' }],
  });
  await mkdir(join(kase.dir, 'credentials'), { recursive: true, mode: 0o700 });
  // As user add writes it: the fallback account is listed beside the main one.
  await writeFile(
    creds(),
    `homeserver: https://matrix.${MAIN}\nuser_id: @carol:${MAIN}\npassword: ${password}\nadmin: no\nfallback_account: @carol:${FALLBACK} https://matrix.${FALLBACK}\n`,
    { mode: 0o600 },
  );
});
afterAll(async () => {
  await main?.close();
  await fallback?.close();
  await kase?.cleanup();
});

describe('user remove with a fallback server (built CLI, two test homeservers)', () => {
  const env = () => ({ MATRIX_OOB_CONTROL_ROOM_URL: main.url });

  it('refuses a --server-url for a server that is not a fallback of the case (exit 2, nothing asked)', async () => {
    const r = await spawnCli(
      ['--case', kase.dir, 'user', 'remove', 'carol', '--server-url', `other.test=${fallback.url}`],
      env(),
    );
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(
      `error: --server-url "other.test=${fallback.url}": other.test is not a fallback server of this case (the main server's URL is --homeserver-url)`,
    );
    expect(main.deactivated.size + fallback.deactivated.size).toBe(0);
  });

  it("holds a fallback's --server-url to the same rule as control-room: that server's name or address", async () => {
    const elsewhere = await spawnCli(
      ['--case', kase.dir, 'user', 'remove', 'carol', '--server-url', `${FALLBACK}=https://203.0.113.77`],
      env(),
    );
    expect(elsewhere.exitCode).toBe(2);
    expect(elsewhere.stderr).toContain(
      `error: --server-url ${FALLBACK}= https://203.0.113.77 is not this case's server (matrix.${FALLBACK} or 198.51.100.20): the password would go to another server`,
    );
    expect(main.deactivated.size + fallback.deactivated.size).toBe(0);
  });

  it('a fallback it cannot reach: exit 1, says where it is done, keeps the credentials; the retry finishes', async () => {
    const port = await closedPort();
    const r = await spawnCli(
      ['--case', kase.dir, 'user', 'remove', 'carol', '--server-url', `${FALLBACK}=http://127.0.0.1:${port}`],
      env(),
    );
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`error: cannot reach the homeserver at http://127.0.0.1:${port}`);
    expect(r.stderr).toContain(`deactivated on: ${MAIN}`);
    expect(r.stderr).not.toContain(password);
    expect(main.deactivated).toEqual(new Set([`@carol:${MAIN}`]));
    expect(existsSync(creds())).toBe(true); // the password is still needed on the fallback

    const again = await spawnCli(
      [
        '--case',
        kase.dir,
        '--json',
        'user',
        'remove',
        'carol',
        '--server-url',
        `${FALLBACK}=${fallback.url}`,
      ],
      env(),
    );
    expect(again.stderr).toContain(`@carol:${MAIN}: already deactivated on the server`);
    expect(again.stderr).toContain(`@carol:${FALLBACK}: deactivated on the server`);
    expect(again.exitCode).toBe(0);
    expect(JSON.parse(String(again.stdout))).toMatchObject({
      ok: true,
      deactivated: true,
      deactivated_on: [MAIN, FALLBACK],
    });
    expect(fallback.deactivated).toEqual(new Set([`@carol:${FALLBACK}`]));
    expect(fallback.violations).toEqual([]);
    expect(existsSync(creds())).toBe(false);
    const config = parse(readFileSync(join(kase.dir, 'matrix-oob.yml'), 'utf8'));
    expect(config.users.map((u: { name: string }) => u.name)).toEqual(['lead']);
  });

  it('Ctrl-C while the server is slow: exit 130 at once, nothing changed locally', async () => {
    const slow = await startFakeHomeserver({
      domain: MAIN,
      users: { lead: 'lead-Pw-1234567' },
      slow: { endpoint: 'login', ms: 20_000 },
    });
    try {
      await writeFile(
        join(kase.dir, 'credentials', 'lead.txt'),
        `user_id: @lead:${MAIN}\npassword: lead-Pw-1234567\n`,
        { mode: 0o600 },
      );
      const run = startCli(['--case', kase.dir, 'user', 'remove', 'lead', '--timeout', '60'], {
        PATH: process.env.PATH,
        MATRIX_OOB_CONTROL_ROOM_URL: slow.url,
      });
      const deadline = Date.now() + 10_000;
      while (slow.count('login') === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(slow.count('login')).toBe(1);
      const sent = Date.now();
      run.child.kill('SIGINT');
      const r = await run.child;
      expect(r.exitCode).toBe(130);
      expect(Date.now() - sent).toBeLessThan(5_000); // not the 20 s the login would take
      expect(existsSync(join(kase.dir, 'credentials', 'lead.txt'))).toBe(true);
      expect(slow.deactivated.size).toBe(0);
      const last = readFileSync(join(kase.dir, 'journal.jsonl'), 'utf8').trim().split('\n').at(-1) ?? '';
      expect(JSON.parse(last)).toMatchObject({ command: 'user remove', user: 'lead', result: 'interrupted' });
    } finally {
      await slow.close();
    }
  }, 30_000);
});
