import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensurePrivateDir } from '../../src/adapters/files.js';
import { loadCase } from '../../src/config/load.js';
import { readControlRoomRecord, setUpControlRoom } from '../../src/control-room/case.js';
import { makeCase } from '../helpers/case.js';
import { spawnCli } from '../helpers/cli-process.js';
import { createFakeNetwork, type FakeHomeserver, startFakeHomeserver } from '../helpers/fake-homeserver.js';

// #control across two servers, against two spec-checking test homeservers that share their
// rooms (network mode standing in for federation).
const A = 'main-oob.test';
const B = 'fallback-oob.test';
const PASSWORDS: Record<string, string> = {
  lead: 'lead-passphrase-0123456789',
  analyst1: 'analyst-passphrase-0123456789',
  deputy: 'deputy-passphrase-0123456789',
};
const USERS = [{ name: 'lead', admin: true }, { name: 'analyst1' }, { name: 'deputy', admin: true }];

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(): Promise<{ a: FakeHomeserver; b: FakeHomeserver; dir: string }> {
  const network = createFakeNetwork();
  const a = await startFakeHomeserver({ domain: A, users: PASSWORDS, network });
  const b = await startFakeHomeserver({ domain: B, users: PASSWORDS, network });
  const kase = await makeCase({
    domain: A,
    server: { address: '203.0.113.10' },
    fallback: [{ domain: B, server: { address: '198.51.100.20' } }],
    users: USERS,
  });
  cleanups.push(a.close, b.close, kase.cleanup);
  await ensurePrivateDir(join(kase.dir, 'credentials'));
  for (const [name, password] of Object.entries(PASSWORDS)) {
    await writeFile(
      join(kase.dir, 'credentials', `${name}.txt`),
      `homeserver: https://matrix.${A}\nuser_id: @${name}:${A}\npassword: ${password}\nadmin: no\n`,
      { mode: 0o600 },
    );
  }
  return { a, b, dir: kase.dir };
}

describe('#control across a main and a fallback server', () => {
  it('creates the room on the main server, an alias on each, every account joined, operators on both sides', async () => {
    const { a, b, dir } = await setup();
    const log: string[] = [];
    const result = await setUpControlRoom(await loadCase(dir), {
      homeserverUrl: a.url,
      homeserverUrls: { [B]: b.url },
      log: (l) => log.push(l),
      warn: (l) => log.push(`warning: ${l}`),
    });
    expect(a.violations).toEqual([]);
    expect(b.violations).toEqual([]);
    // Created once, on the main server.
    expect(a.count('createRoom')).toBe(1);
    expect(b.count('createRoom')).toBe(0);
    expect(result.room_id.endsWith(`:${A}`)).toBe(true);
    const room = a.rooms.get(result.room_id)!;
    // Power level 100 for the admins of both servers, from the first event on.
    expect(room.createBody?.power_level_content_override).toEqual({
      users: {
        [`@lead:${A}`]: 100,
        [`@deputy:${A}`]: 100,
        [`@lead:${B}`]: 100,
        [`@deputy:${B}`]: 100,
      },
    });
    // Every account of every person is in.
    const accounts = USERS.flatMap((u) => [`@${u.name}:${A}`, `@${u.name}:${B}`]);
    // The recorder (main server only) is invited; it joins when `matrix-oob record` runs.
    expect(Object.fromEntries(room.members)).toEqual({
      ...Object.fromEntries(accounts.map((id) => [id, 'join'])),
      [`@recorder:${A}`]: 'invite',
    });
    // An alias on each server, both pointing at the room, listed in the canonical alias event.
    expect(a.aliases.get(`#control:${A}`)).toBe(result.room_id);
    expect(b.aliases.get(`#control:${B}`)).toBe(result.room_id);
    expect(room.state.get('m.room.canonical_alias|')).toEqual({
      alias: `#control:${A}`,
      alt_aliases: [`#control:${B}`],
    });
    // The fallback's alias was added by a member of the room, on that server.
    const setAlias = b.requests.find((r) => r.method === 'PUT' && r.rawPath.includes('/directory/room/'));
    expect(setAlias?.rawPath).toBe(
      `/_matrix/client/v3/directory/room/${encodeURIComponent(`#control:${B}`)}`,
    );
    expect(setAlias?.body).toEqual({ room_id: result.room_id });
    // Joins through the main server (via), as the spec asks for a room the server is not in.
    const joinCall = b.requests.find((r) => r.rawPath.startsWith('/_matrix/client/v3/join/'));
    expect(joinCall?.method).toBe('POST');
    expect(result.fallback).toMatchObject({
      aliases: [{ alias: `#control:${B}`, status: 'created' }],
      join_failed: [],
    });
    expect(result.fallback?.joined.sort()).toEqual(accounts.filter((id) => id !== `@lead:${A}`).sort());
    expect(result.fallback?.operators.sort()).toEqual(
      [`@lead:${A}`, `@deputy:${A}`, `@lead:${B}`, `@deputy:${B}`].sort(),
    );
    // Every session was closed; no password in logs or the journal.
    expect(a.liveTokens()).toBe(0);
    expect(b.liveTokens()).toBe(0);
    const journal = await readFile(join(dir, 'journal.jsonl'), 'utf8');
    for (const p of Object.values(PASSWORDS)) expect(journal + log.join('\n')).not.toContain(p);
    expect(journal).toContain('"result":"ok"');
    expect(await readControlRoomRecord({ root: dir })).toMatchObject({
      room_id: result.room_id,
      fallback_aliases: [`#control:${B}`],
    });

    // Both directories resolve #control on each server to the same room.
    for (const hs of [a, b]) {
      for (const d of [A, B]) {
        const r = await fetch(
          `${hs.url}/_matrix/client/v3/directory/room/${encodeURIComponent(`#control:${d}`)}`,
        );
        expect(((await r.json()) as { room_id: string }).room_id).toBe(result.room_id);
      }
    }
  });

  it('a second run changes nothing and reports everyone as already in', async () => {
    const { a, b, dir } = await setup();
    const opts = { homeserverUrl: a.url, homeserverUrls: { [B]: b.url } };
    const first = await setUpControlRoom(await loadCase(dir), opts);
    const second = await setUpControlRoom(await loadCase(dir), opts);
    expect(second.room_id).toBe(first.room_id);
    expect(second.fallback).toMatchObject({
      aliases: [{ alias: `#control:${B}`, status: 'existing' }],
      joined: [],
      join_failed: [],
    });
    expect(second.fallback?.already_joined).toHaveLength(5);
    expect(a.count('createRoom')).toBe(1);
    expect(b.count('setAlias')).toBe(1);
    expect(a.violations.concat(b.violations)).toEqual([]);
  });

  it('a fallback that is down is reported (exit-1 material), the main side still completes', async () => {
    const { a, b, dir } = await setup();
    await b.close();
    const result = await setUpControlRoom(await loadCase(dir), {
      homeserverUrl: a.url,
      homeserverUrls: { [B]: b.url },
      timeoutMs: 2000,
    });
    expect(result.fallback?.aliases).toEqual([
      { alias: `#control:${B}`, status: 'failed', reason: expect.stringContaining('cannot reach') },
    ]);
    expect(result.fallback?.join_failed.map((f) => f.user_id)).toEqual(
      expect.arrayContaining([`@lead:${B}`, `@analyst1:${B}`, `@deputy:${B}`]),
    );
    expect(result.fallback?.canonical_alias).toEqual({ alias: `#control:${A}`, alt_aliases: [] });
    const journal = await readFile(join(dir, 'journal.jsonl'), 'utf8');
    expect(journal).toContain('"result":"failed"');
  });

  it('the built CLI takes each fallback URL with --server-url; a fallback that is down exits 1 naming it', async () => {
    const { a, b, dir } = await setup();
    const args = ['--case', dir, 'control-room', '--homeserver-url', a.url, '--server-url', `${B}=${b.url}`];
    const ok = await spawnCli(args);
    expect(ok.exitCode).toBe(0);
    expect(String(ok.stderr)).toContain(`fallback servers: aliases #control:${B} (created)`);
    await b.close();
    const down = await spawnCli([...args, '--timeout', '2']);
    expect(down.exitCode).toBe(1);
    expect(String(down.stderr)).toContain('error: #control is not complete on every server');
    expect(String(down.stderr)).toContain(`@analyst1:${B} did not join`);
    const bad = await spawnCli(['--case', dir, 'control-room', '--server-url', 'no-equals-sign']);
    expect(bad.exitCode).toBe(2);
  });
});
