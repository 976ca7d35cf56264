import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadCase } from '../../src/config/load.js';
import { readControlRoomRecord, setUpControlRoom } from '../../src/control-room/case.js';
import { FailureError, InterruptedError, UserError } from '../../src/errors.js';
import { makeCase } from '../helpers/case.js';
import { closedPort } from '../helpers/fake-deployment.js';
import { type FakeHomeserver, startFakeHomeserver } from '../helpers/fake-homeserver.js';

const DOMAIN = 'oob-room.test';
const PASSWORD = 'Zq8!correct-horse:battery staple';
const USERS = [
  { name: 'lead', admin: true },
  { name: 'analyst1' },
  { name: 'analyst2' },
  { name: 'deputy', admin: true },
];

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function setup(
  opts: { users?: typeof USERS; hs?: Partial<Parameters<typeof startFakeHomeserver>[0]> } = {},
): Promise<{ hs: FakeHomeserver; dir: string }> {
  const hs = await startFakeHomeserver({ domain: DOMAIN, users: { lead: PASSWORD }, ...opts.hs });
  const kase = await makeCase({
    domain: DOMAIN,
    server: { address: '203.0.113.10' },
    users: opts.users ?? USERS,
  });
  cleanups.push(hs.close, kase.cleanup);
  await writeCredentials(kase.dir, 'lead', PASSWORD);
  return { hs, dir: kase.dir };
}

async function writeCredentials(dir: string, user: string, password: string) {
  const { ensurePrivateDir } = await import('../../src/adapters/files.js');
  await ensurePrivateDir(join(dir, 'credentials'));
  await writeFile(
    join(dir, 'credentials', `${user}.txt`),
    `user_id: @${user}:${DOMAIN}\nPassword :  ${password}\nhomeserver: https://matrix.${DOMAIN}\n`,
    { mode: 0o600 },
  );
}

const noSleep = async () => {};

/** setUpControlRoom through a fetch that may press Ctrl-C (`ctrlC`); resolves with what it threw. */
async function interrupted(
  dir: string,
  hs: FakeHomeserver,
  fetchWith: (ctrlC: () => void) => typeof fetch,
): Promise<unknown> {
  const abort = new AbortController();
  return setUpControlRoom(await loadCase(dir), {
    homeserverUrl: hs.url,
    fetch: fetchWith(() => abort.abort()),
    signal: abort.signal,
  }).catch((e: unknown) => e);
}

describe('setUpControlRoom against a spec-checking homeserver', () => {
  it('creates a private, encrypted #control room, invites everyone but the admin, records it and logs out', async () => {
    const { hs, dir } = await setup();
    const log: string[] = [];
    const result = await setUpControlRoom(await loadCase(dir), {
      homeserverUrl: hs.url,
      log: (l) => log.push(l),
      warn: (l) => log.push(`warning: ${l}`),
    });

    expect(hs.violations).toEqual([]);
    expect(result).toMatchObject({
      alias: `#control:${DOMAIN}`,
      admin: `@lead:${DOMAIN}`,
      created: true,
      encryption_enabled: false,
      // The recorder's account is invited with everyone (docs/record.md).
      invited: [`@analyst1:${DOMAIN}`, `@analyst2:${DOMAIN}`, `@deputy:${DOMAIN}`, `@recorder:${DOMAIN}`],
      already_members: [],
      failed: [],
      logged_out: true,
    });
    const room = hs.rooms.get(result.room_id)!;
    expect(hs.aliases.get(`#control:${DOMAIN}`)).toBe(result.room_id);
    expect(room.createBody).toMatchObject({
      preset: 'private_chat',
      visibility: 'private',
      room_alias_name: 'control',
    });
    expect(room.state.get('m.room.encryption|')).toEqual({ algorithm: 'm.megolm.v1.aes-sha2' });
    expect(room.state.get('m.room.guest_access|')).toEqual({ guest_access: 'forbidden' });
    expect(room.createBody?.power_level_content_override).toEqual({
      users: { [`@lead:${DOMAIN}`]: 100, [`@deputy:${DOMAIN}`]: 100 },
    });
    expect(Object.fromEntries(room.members)).toEqual({
      [`@lead:${DOMAIN}`]: 'join',
      [`@analyst1:${DOMAIN}`]: 'invite',
      [`@analyst2:${DOMAIN}`]: 'invite',
      [`@deputy:${DOMAIN}`]: 'invite',
      [`@recorder:${DOMAIN}`]: 'invite',
    });
    // Logged out: the token no longer works.
    expect(hs.liveTokens()).toBe(0);
    expect(hs.count('logout')).toBe(1);
    // Every call after login carried the token; login did not.
    for (const r of hs.requests) expect(r.authorized).toBe(!r.rawPath.endsWith('/login'));

    const record = await readControlRoomRecord({ root: dir });
    expect(record).toMatchObject({
      room_id: result.room_id,
      alias: `#control:${DOMAIN}`,
      created_by: `@lead:${DOMAIN}`,
    });
    expect((await stat(join(dir, 'control-room.json'))).mode & 0o777).toBe(0o600);
    const journal = await readFile(join(dir, 'journal.jsonl'), 'utf8');
    expect(journal).toContain(`"command":"control-room","result":"ok"`);
    expect(journal).toContain(result.room_id);
    expect(journal).not.toContain(PASSWORD);
    expect(journal).not.toContain('syt_');
    expect(log.join('\n')).not.toContain(PASSWORD);
    expect(log).toContain(`invited @analyst1:${DOMAIN}`);
  });

  it('reuses the room on a second run and invites only who is missing', async () => {
    const { hs, dir } = await setup();
    const first = await setUpControlRoom(await loadCase(dir), { homeserverUrl: hs.url });
    hs.join(first.room_id, `@analyst1:${DOMAIN}`);
    const firstRecord = await readControlRoomRecord({ root: dir });

    const second = await setUpControlRoom(await loadCase(dir), { homeserverUrl: hs.url });
    expect(second).toMatchObject({
      room_id: first.room_id,
      created: false,
      invited: [],
      already_members: [
        `@analyst1:${DOMAIN}`,
        `@analyst2:${DOMAIN}`,
        `@deputy:${DOMAIN}`,
        `@recorder:${DOMAIN}`,
      ],
      failed: [],
    });
    expect(hs.count('createRoom')).toBe(1);
    expect(hs.count('invite')).toBe(4);
    expect((await readControlRoomRecord({ root: dir }))?.created_at).toBe(firstRecord?.created_at);

    // A user added to the config later is invited on the next run, and only they are.
    const withNew = await loadCase(dir);
    withNew.config.users.push({ name: 'analyst3', admin: false });
    const third = await setUpControlRoom(withNew, { homeserverUrl: hs.url });
    expect(third.invited).toEqual([`@analyst3:${DOMAIN}`]);
    expect(hs.count('createRoom')).toBe(1);
    expect(hs.violations).toEqual([]);
    expect(hs.liveTokens()).toBe(0);
  });

  it('treats "already in the room" answers to an invite as done', async () => {
    const { hs, dir } = await setup();
    // The members list is stale (e.g. the user joined in between): the server refuses the invite.
    const roomId = hs.seedRoom(
      `#control:${DOMAIN}`,
      { [`@lead:${DOMAIN}`]: 'join' },
      {
        'm.room.encryption|': { algorithm: 'm.megolm.v1.aes-sha2' },
      },
    );
    const loaded = await loadCase(dir);
    const realFetch = fetch;
    const racingFetch: typeof fetch = async (input, init) => {
      if (String(input).endsWith('/invite') && String(init?.body).includes('analyst2')) {
        hs.join(roomId, `@analyst2:${DOMAIN}`);
      }
      return realFetch(input, init);
    };
    const result = await setUpControlRoom(loaded, { homeserverUrl: hs.url, fetch: racingFetch });
    expect(result.already_members).toEqual([`@analyst2:${DOMAIN}`]);
    expect(result.invited).toEqual([`@analyst1:${DOMAIN}`, `@deputy:${DOMAIN}`, `@recorder:${DOMAIN}`]);
    expect(result.failed).toEqual([]);
  });

  it('turns encryption on in a reused room that lacks it, and says so', async () => {
    const { hs, dir } = await setup();
    const roomId = hs.seedRoom(`#control:${DOMAIN}`, { [`@lead:${DOMAIN}`]: 'join' });
    const warnings: string[] = [];
    const result = await setUpControlRoom(await loadCase(dir), {
      homeserverUrl: hs.url,
      warn: (w) => warnings.push(w),
    });
    expect(result).toMatchObject({ room_id: roomId, created: false, encryption_enabled: true });
    expect(hs.rooms.get(roomId)!.state.get('m.room.encryption|')).toEqual({
      algorithm: 'm.megolm.v1.aes-sha2',
    });
    expect(warnings.join('\n')).toContain('was not end-to-end encrypted; encryption is now on');
  });

  it('fails clearly when the alias belongs to a room the admin is not in, and still logs out', async () => {
    const { hs, dir } = await setup();
    hs.seedRoom(`#control:${DOMAIN}`, { [`@stranger:${DOMAIN}`]: 'join' });
    const err = await setUpControlRoom(await loadCase(dir), { homeserverUrl: hs.url }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(FailureError);
    expect((err as FailureError).message).toMatch(
      /^#control:oob-room\.test exists \(!\w+:oob-room\.test\) but @lead:oob-room\.test is not in it$/,
    );
    expect((err as FailureError).hint).toContain('invite @lead:oob-room.test');
    expect(hs.liveTokens()).toBe(0);
  });

  it('reports a wrong password in one line with the fix, and never repeats the password', async () => {
    const { hs, dir } = await setup({ hs: { echoSecrets: true } });
    await writeCredentials(dir, 'lead', 'not-the-password-1234');
    const err = await setUpControlRoom(await loadCase(dir), { homeserverUrl: hs.url }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(FailureError);
    const e = err as FailureError;
    expect(e.exitCode).toBe(1);
    expect(e.message).toBe(
      `the homeserver refused the login of @lead:${DOMAIN}: wrong user name or password`,
    );
    expect(e.hint).toContain('--password-file');
    const journal = await readFile(join(dir, 'journal.jsonl'), 'utf8');
    expect(journal).toContain('"result":"failed"');
    expect(journal).not.toContain('not-the-password-1234');
    expect(hs.count('createRoom')).toBe(0);
  });

  it('redacts a password the server echoes in an unexpected error', async () => {
    const { hs, dir } = await setup({ hs: { echoSecrets: true } });
    await writeCredentials(dir, 'lead', 'echoed-secret-5678');
    const teapot: typeof fetch = async (input, init) => {
      if (String(input).endsWith('/login')) {
        const sent = JSON.parse(String(init?.body)) as { password: string };
        return new Response(JSON.stringify({ errcode: 'M_WEIRD', error: `cannot use ${sent.password}` }), {
          status: 400,
        });
      }
      return fetch(input, init);
    };
    const err = (await setUpControlRoom(await loadCase(dir), { homeserverUrl: hs.url, fetch: teapot }).catch(
      (e: unknown) => e,
    )) as FailureError;
    expect(err.message).toBe('the homeserver refused POST /login: M_WEIRD (cannot use [REDACTED])');
  });

  it('retries after 429 M_LIMIT_EXCEEDED, waiting as long as the server asks', async () => {
    const { hs, dir } = await setup({
      hs: { rateLimit: { endpoint: 'invite', times: 2, retryAfterMs: 1234 } },
    });
    const waits: number[] = [];
    const result = await setUpControlRoom(await loadCase(dir), {
      homeserverUrl: hs.url,
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    expect(waits).toEqual([1234, 1234]);
    expect(result.invited).toHaveLength(4);
  });

  it('Ctrl-C during a rate-limit wait stops at once, not when the server said to retry', async () => {
    const { hs, dir } = await setup({
      hs: { rateLimit: { endpoint: 'invite', times: 1, retryAfterMs: 30_000 } },
    });
    const started = performance.now();
    const err = await interrupted(dir, hs, (ctrlC) => async (input, init) => {
      const res = await fetch(input, init);
      if (res.status === 429) setTimeout(ctrlC, 100); // Ctrl-C while waiting 30 s
      return res;
    });
    expect(err).toBeInstanceOf(InterruptedError);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(hs.count('invite')).toBe(1);
    expect(hs.liveTokens()).toBe(0);
  });

  it('lists users that cannot be invited without failing the rest', async () => {
    const { hs, dir } = await setup({ hs: { unknownUsers: [`@analyst2:${DOMAIN}`] } });
    const result = await setUpControlRoom(await loadCase(dir), { homeserverUrl: hs.url, sleep: noSleep });
    expect(result.invited).toEqual([`@analyst1:${DOMAIN}`, `@deputy:${DOMAIN}`, `@recorder:${DOMAIN}`]);
    expect(result.failed).toEqual([{ user_id: `@analyst2:${DOMAIN}`, reason: 'M_NOT_FOUND: Unknown user' }]);
    const journal = await readFile(join(dir, 'journal.jsonl'), 'utf8');
    expect(journal).toContain(`"failed_invites":["@analyst2:${DOMAIN}"]`);
  });

  it('on interrupt stops inviting, still logs out, and journals it as interrupted', async () => {
    const { hs, dir } = await setup();
    const err = await interrupted(dir, hs, (ctrlC) => async (input, init) => {
      if (String(input).endsWith('/invite')) ctrlC(); // Ctrl-C while the first invite is in flight
      return fetch(input, init);
    });
    expect(err).toBeInstanceOf(InterruptedError);
    expect(hs.count('invite')).toBeLessThanOrEqual(1);
    expect(hs.count('logout')).toBe(1);
    expect(hs.liveTokens()).toBe(0);
    const journal = await readFile(join(dir, 'journal.jsonl'), 'utf8');
    expect(journal).toContain('"result":"interrupted"');
  });

  it('says the homeserver cannot be reached when nothing listens', async () => {
    const { dir } = await setup();
    const port = await closedPort();
    const err = (await setUpControlRoom(await loadCase(dir), {
      homeserverUrl: `http://127.0.0.1:${port}`,
    }).catch((e: unknown) => e)) as FailureError;
    expect(err).toBeInstanceOf(FailureError);
    expect(err.message).toBe(`cannot reach the homeserver at http://127.0.0.1:${port}: connection refused`);
    expect(err.hint).toContain('matrix-oob verify');
  });

  it('refuses bad input before any request: no admin, no credentials, plain http elsewhere', async () => {
    const { hs, dir } = await setup({ users: [{ name: 'analyst1' }] as typeof USERS });
    const noAdmin = await setUpControlRoom(await loadCase(dir), { homeserverUrl: hs.url }).catch(
      (e: unknown) => e,
    );
    expect(noAdmin).toBeInstanceOf(UserError);
    expect((noAdmin as UserError).message).toBe(
      'no admin user in the config to create the #control room with',
    );

    const noFile = (await setUpControlRoom(await loadCase(dir), {
      homeserverUrl: hs.url,
      admin: 'ghost',
    }).catch((e: unknown) => e)) as UserError;
    expect(noFile.exitCode).toBe(2);
    expect(noFile.message).toBe(
      `cannot read the credentials file ${join(dir, 'credentials', 'ghost.txt')}: no such file`,
    );
    expect(noFile.hint).toContain('matrix-oob user add ghost');

    const clear = (await setUpControlRoom(await loadCase(dir), {
      homeserverUrl: 'http://matrix.example.com',
      admin: 'lead',
    }).catch((e: unknown) => e)) as UserError;
    expect(clear.message).toContain('is not https: the password would travel in clear');
    expect(hs.requests).toEqual([]);
  });
});
