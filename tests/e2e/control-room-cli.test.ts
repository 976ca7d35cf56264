import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeCase } from '../helpers/case.js';
import { spawnCli } from '../helpers/cli-process.js';
import { closedPort } from '../helpers/fake-deployment.js';
import { type FakeHomeserver, startFakeHomeserver } from '../helpers/fake-homeserver.js';

const DOMAIN = 'oob-room-cli.test';
const PASSWORD = 'cli-Secret-9f3k2';

let hs: FakeHomeserver;
let kase: { dir: string; cleanup(): Promise<void> };

beforeAll(async () => {
  hs = await startFakeHomeserver({ domain: DOMAIN, users: { boss: PASSWORD }, echoSecrets: true });
  kase = await makeCase({
    domain: DOMAIN,
    server: { address: '203.0.113.10' },
    users: [{ name: 'boss', admin: true }, { name: 'analyst1' }],
  });
  await mkdir(join(kase.dir, 'credentials'), { recursive: true, mode: 0o700 });
  await writeFile(
    join(kase.dir, 'credentials', 'boss.txt'),
    `user_id: @boss:${DOMAIN}\npassword: ${PASSWORD}\n`,
    {
      mode: 0o600,
    },
  );
});

afterAll(async () => {
  await hs?.close();
  await kase?.cleanup();
});

describe('matrix-oob control-room (built CLI)', () => {
  it('creates the room (exit 0, JSON on stdout), then reuses it on a second run', async () => {
    const first = await spawnCli(['--case', kase.dir, '--json', 'control-room', '--homeserver-url', hs.url]);
    expect(first.exitCode).toBe(0);
    const out = JSON.parse(String(first.stdout));
    expect(out).toMatchObject({
      alias: `#control:${DOMAIN}`,
      created: true,
      invited: [`@analyst1:${DOMAIN}`, `@recorder:${DOMAIN}`],
      failed: [],
      logged_out: true,
    });
    expect(String(first.stderr)).toContain(
      `#control:${DOMAIN} is ready (${out.room_id}): created, 2 invited now`,
    );

    const second = await spawnCli(['--case', kase.dir, '--json', 'control-room', '--homeserver-url', hs.url]);
    expect(second.exitCode).toBe(0);
    expect(JSON.parse(String(second.stdout))).toMatchObject({
      room_id: out.room_id,
      created: false,
      invited: [],
    });
    expect(hs.count('createRoom')).toBe(1);
    expect(hs.violations).toEqual([]);
    for (const r of [first, second]) expect(`${r.stdout}${r.stderr}`).not.toContain(PASSWORD);
  });

  it('exits 1 on a wrong password with the fix and no secret in any output', async () => {
    const wrong = join(kase.dir, 'wrong.txt');
    await writeFile(wrong, 'Wrong-Password-123\n', { mode: 0o600 });
    const r = await spawnCli([
      '--case',
      kase.dir,
      'control-room',
      '--homeserver-url',
      hs.url,
      '--password-file',
      wrong,
    ]);
    expect(r.exitCode).toBe(1);
    const err = String(r.stderr);
    expect(err).toContain(
      `error: the homeserver refused the login of @boss:${DOMAIN}: wrong user name or password`,
    );
    expect(err).toContain('hint: check that the credentials file (or --password-file)');
    expect(`${r.stdout}${err}`).not.toContain('Wrong-Password-123');
    expect(`${r.stdout}${err}`).not.toContain(PASSWORD);
    expect(String(r.stdout)).toBe('');
  });

  it('exits 1 when the homeserver is down', async () => {
    const port = await closedPort();
    const r = await spawnCli([
      '--case',
      kase.dir,
      'control-room',
      '--homeserver-url',
      `http://127.0.0.1:${port}`,
    ]);
    expect(r.exitCode).toBe(1);
    expect(String(r.stderr)).toContain(
      `error: cannot reach the homeserver at http://127.0.0.1:${port}: connection refused`,
    );
  });

  it('on Ctrl-C logs out before exiting 130', async () => {
    const slow = await startFakeHomeserver({
      domain: DOMAIN,
      users: { boss: PASSWORD },
      slow: { endpoint: 'invite', ms: 1500 },
    });
    try {
      const child = spawnCli(['--case', kase.dir, 'control-room', '--homeserver-url', slow.url]);
      while (slow.count('invite') === 0) await new Promise((r) => setTimeout(r, 20));
      child.kill('SIGINT');
      const r = await child;
      expect(r.exitCode).toBe(130);
      expect(String(r.stderr)).toContain('interrupted: logging out before exiting');
      expect(slow.count('logout')).toBe(1);
      expect(slow.liveTokens()).toBe(0);
    } finally {
      await slow.close();
    }
  });

  it('exits 2 on plain http to a remote host', async () => {
    const r = await spawnCli([
      '--case',
      kase.dir,
      'control-room',
      '--homeserver-url',
      'http://matrix.example.com',
    ]);
    expect(r.exitCode).toBe(2);
    expect(String(r.stderr)).toContain('is not https: the password would travel in clear');
  });
});
