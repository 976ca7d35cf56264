import { existsSync } from 'node:fs';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { GlobalOptions } from '../../src/commands/context.js';
import type { WatchCommandOptions } from '../../src/commands/watch/command.js';
import { runWatch } from '../../src/commands/watch/run.js';
import { ExitError, FailureError, UserError } from '../../src/errors.js';
import { memoryOutput } from '../../src/ui/output.js';
import { makeCase } from '../helpers/case.js';
import { type FakeHomeserver, startFakeHomeserver } from '../helpers/fake-homeserver.js';
import { type FakeSessions, fakeSessions } from '../helpers/fake-sessions.js';
import { sharedMissing } from '../helpers/shared-refs.js';
import { operationSchema, specPaths, validate } from '../helpers/spec-schema.js';

const DOMAIN = 'oob-watch.test';
const PASSWORD = 'Zq8!correct-horse:battery staple';
const LEAD = `@lead:${DOMAIN}`;
const A1 = `@analyst1:${DOMAIN}`;
const A2 = `@analyst2:${DOMAIN}`;
const USERS = [{ name: 'lead', admin: true }, { name: 'analyst1' }, { name: 'analyst2' }];
const HOSTILE_UA = 'Mozilla/5.0 \u001b[2J\u001b]0;owned\u0007\u202eexe.gpj\u2066 Element';
// biome-ignore lint/suspicious/noControlCharactersInRegex: looking for terminal controls is the point
const DANGEROUS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

interface World {
  hs: FakeHomeserver;
  sessions: FakeSessions;
  dir: string;
  roomId: string;
}

async function world(synapseAdminApi = false): Promise<World> {
  const sessions = fakeSessions({ admins: [LEAD], synapseAdminApi });
  const hs = await startFakeHomeserver({
    domain: DOMAIN,
    users: { lead: PASSWORD },
    extension: sessions.extension,
    onLogin: sessions.onLogin,
  });
  sessions.attach(hs);
  const kase = await makeCase({ domain: DOMAIN, server: { address: '203.0.113.10' }, users: USERS });
  cleanups.push(hs.close, kase.cleanup);
  const { ensurePrivateDir } = await import('../../src/adapters/files.js');
  await ensurePrivateDir(join(kase.dir, 'credentials'));
  await writeFile(join(kase.dir, 'credentials', 'lead.txt'), `user_id: ${LEAD}\npassword: ${PASSWORD}\n`, {
    mode: 0o600,
  });
  const roomId = hs.seedRoom(`#control:${DOMAIN}`, { [LEAD]: 'join', [A1]: 'join', [A2]: 'invite' });
  await writeFile(
    join(kase.dir, 'control-room.json'),
    JSON.stringify({ room_id: roomId, alias: `#control:${DOMAIN}`, homeserver: hs.url }),
    { mode: 0o600 },
  );
  // Before the first run: the team's own devices.
  sessions.login(LEAD, {
    id: 'LEADPHONE',
    ip: '198.51.100.1',
    userAgent: 'Element Android/1.6',
    displayName: 'lead phone',
  });
  sessions.login(A1, { id: 'A1LAPTOP', ip: '198.51.100.2', userAgent: 'Element/1.11 (Linux)' });
  return { hs, sessions, dir: kase.dir, roomId };
}

function opts(hs: FakeHomeserver, extra: Partial<WatchCommandOptions> = {}): WatchCommandOptions {
  return {
    once: true,
    interval: '5',
    approve: [],
    notify: false,
    source: 'state',
    homeserverUrl: hs.url,
    timeout: '5',
    ...extra,
  };
}

async function watch(w: World, extra: Partial<WatchCommandOptions> = {}, json = true) {
  const out = memoryOutput();
  const globals: GlobalOptions = { case: w.dir, json, yes: true };
  let exit = 0;
  try {
    await runWatch({ opts: opts(w.hs, extra), globals, out });
  } catch (err) {
    if (err instanceof ExitError) exit = err.exitCode;
    else throw err;
  }
  const doc = json && extra.approve === undefined ? JSON.parse(out.stdout.join('')) : undefined;
  return { out, exit, doc };
}

async function journalAlerts(dir: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(join(dir, 'journal.jsonl'), 'utf8');
  return text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((e) => e.event === 'alert');
}

describe('watch, state source, against the test homeserver', () => {
  it('speaks the spec: whois and keys/query shapes (request and answer) as the Matrix spec defines them', async () => {
    const w = await world();
    await watch(w);
    expect(w.hs.violations).toEqual([]);
    expect(w.hs.count('whois')).toBe(3);
    expect(w.hs.count('keysQuery')).toBe(1);
    const why = sharedMissing();
    if (why) {
      console.log(why);
      return;
    }
    expect(specPaths('client-server/admin.yaml')).toContain('/v3/admin/whois/{userId}');
    expect(specPaths('client-server/keys.yaml')).toContain('/keys/query');
    expect(specPaths('client-server/room_send.yaml')).toContain('/rooms/{roomId}/send/{eventType}/{txnId}');
    const whois = operationSchema('client-server/admin.yaml', '/v3/admin/whois/{userId}', 'get', '200')!;
    for (const answer of w.sessions.whoisAnswers) expect(validate(whois, answer)).toEqual([]);
    const keysReq = operationSchema('client-server/keys.yaml', '/keys/query', 'post', 'request')!;
    for (const body of w.sessions.keysRequests) expect(validate(keysReq, body)).toEqual([]);
    const keysRes = operationSchema('client-server/keys.yaml', '/keys/query', 'post', '200')!;
    for (const answer of w.sessions.keysAnswers) expect(validate(keysRes, answer)).toEqual([]);
    // The validator does catch a wrong shape.
    expect(validate(whois, { user_id: 5 })).not.toEqual([]);
  });

  it('first run takes the baseline (0600 in the case): no alert, exit 0; the same state again: still none', async () => {
    const w = await world();
    const first = await watch(w);
    expect(first.exit).toBe(0);
    expect(first.doc.baseline_taken).toBe(true);
    expect(first.doc.alerts).toEqual([]);
    expect(
      first.doc.rows.map((r: { user: string; device: string; address: string; state: string }) => [
        r.user,
        r.device || r.address,
        r.state,
      ]),
    ).toEqual(
      expect.arrayContaining([
        [A1, 'A1LAPTOP', 'baseline'],
        [A1, '198.51.100.2', 'baseline'],
        [LEAD, 'LEADPHONE (lead phone)', 'baseline'],
        [LEAD, '198.51.100.1', 'baseline'],
        [LEAD, '127.0.0.1', 'baseline'],
      ]),
    );
    expect((await stat(join(w.dir, 'watch', 'state.json'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(w.dir, 'watch'))).mode & 0o777).toBe(0o700);
    w.sessions.connect(A1, '198.51.100.2', 'Element/1.11 (Linux)');
    const second = await watch(w);
    expect([second.exit, second.doc.baseline_taken, second.doc.alerts]).toEqual([0, false, []]);
    expect(await journalAlerts(w.dir)).toEqual([]);
    expect(w.hs.liveTokens()).toBe(0);
  });

  it('a new device and a new address (hostile user agent) are alerts: highlighted, journaled, sanitised, exit 1; approving them ends it', async () => {
    const w = await world();
    await watch(w);
    w.sessions.login(A1, {
      id: 'EVILDEV',
      ip: '203.0.113.66',
      userAgent: HOSTILE_UA,
      displayName: '\u202eenohp',
    });
    const run = await watch(w, {}, true);
    expect(run.exit).toBe(1);
    const kinds = run.doc.alerts.map((a: { kind: string }) => a.kind).sort();
    expect(kinds).toEqual(['new-address', 'new-device']);
    expect(run.doc.unapproved).toBe(2);
    const everything = [...run.out.stdout, ...run.out.stderr].join('\n');
    for (const line of everything.split('\n')) expect(line).not.toMatch(DANGEROUS);
    expect(everything).toContain('Mozilla/5.0 exe.gpj Element');
    const journaled = await journalAlerts(w.dir);
    expect(journaled.map((j) => j.alert).sort()).toEqual(['new-address', 'new-device']);
    expect(journaled.find((j) => j.alert === 'new-address')).toMatchObject({
      command: 'watch',
      user: A1,
      address: '203.0.113.66',
      user_agent: 'Mozilla/5.0 exe.gpj Element',
      source: 'state',
    });
    const journalText = await readFile(join(w.dir, 'journal.jsonl'), 'utf8');
    expect(journalText).not.toMatch(/\\u001b|\\u202e|\u202e/);
    expect(journalText).not.toContain(PASSWORD);

    // Polled again: nothing new is raised, but it stays unapproved (exit 1).
    const again = await watch(w);
    expect([again.exit, again.doc.alerts]).toEqual([1, []]);
    // Approve: offline, no request to the server.
    const before = w.hs.requests.length;
    const approve = await watch(w, { approve: ['EVILDEV', '203.0.113.66'] }, false);
    expect(approve.exit).toBe(0);
    expect(approve.out.stderr.join('\n')).toContain(`approved device EVILDEV of ${A1} (was new)`);
    expect(w.hs.requests.length).toBe(before);
    const after = await watch(w);
    expect([after.exit, after.doc.alerts, after.doc.unapproved]).toEqual([0, [], 0]);
  });

  it('an account outside the case (a stranger in #control) logging in is an alert', async () => {
    const w = await world();
    await watch(w);
    const mallory = `@mallory:${DOMAIN}`;
    w.hs.join(w.roomId, mallory);
    w.sessions.login(mallory, { id: 'MAL1', ip: '192.0.2.99', userAgent: 'python-requests/2.31' });
    const run = await watch(w);
    expect(run.exit).toBe(1);
    expect(new Set(run.doc.alerts.map((a: { kind: string; user: string }) => `${a.kind} ${a.user}`))).toEqual(
      new Set([`unknown-account ${mallory}`]),
    );
  });

  it('a removed (deactivated) account active again is an alert; its old traffic is not', async () => {
    const w = await world();
    w.sessions.login(A2, {
      id: 'A2OLD',
      ip: '198.51.100.3',
      userAgent: 'Element/1',
      at: Date.now() - 60_000,
    });
    await watch(w);
    // `user remove analyst2` takes it out of the config and deactivates it.
    await writeFile(
      join(w.dir, 'matrix-oob.yml'),
      stringify({ domain: DOMAIN, server: { address: '203.0.113.10' }, users: USERS.slice(0, 2) }),
    );
    w.sessions.deactivate(A2);
    const quiet = await watch(w);
    expect([quiet.exit, quiet.doc.alerts]).toEqual([0, []]);
    expect(quiet.doc.rows.find((r: { device: string }) => r.device === 'A2OLD').state).toBe('removed');
    await new Promise((r) => setTimeout(r, 5));
    w.sessions.login(A2, { id: 'A2BACK', ip: '198.51.100.3', userAgent: 'Element/1' });
    const back = await watch(w);
    expect(back.exit).toBe(1);
    expect(back.doc.alerts.map((a: { kind: string; user: string }) => [a.kind, a.user])).toEqual([
      ['deactivated-back', A2],
    ]);
  });

  it('--notify posts each alert to #control as an m.notice from the admin, sanitised', async () => {
    const w = await world();
    await watch(w, { notify: true });
    expect(w.sessions.notices).toEqual([]);
    w.sessions.login(A1, { id: 'EVILDEV', ip: '203.0.113.66', userAgent: HOSTILE_UA });
    await watch(w, { notify: true });
    expect(w.hs.violations).toEqual([]);
    expect(w.sessions.notices).toHaveLength(2);
    for (const n of w.sessions.notices) {
      expect(n).toMatchObject({ roomId: w.roomId, sender: LEAD, msgtype: 'm.notice' });
      expect(n.body).toMatch(/^matrix-oob watch: new-(device|address): /);
      expect(n.body).not.toMatch(DANGEROUS);
    }
  });

  it('bad input: a clear one-line error naming the flag, exit 2, nothing written', async () => {
    const w = await world();
    await expect(watch(w, { interval: '0' })).rejects.toThrow(/--interval "0" is not a number of seconds/);
    await expect(watch(w, { approve: ['NOPE'] })).rejects.toThrow(/no watch baseline in this case yet/);
    expect(existsSync(join(w.dir, 'watch'))).toBe(false);
    await watch(w);
    const state = await readFile(join(w.dir, 'watch', 'state.json'), 'utf8');
    const err = await watch(w, { approve: ['A1LAPTOP', 'NOPE\u001b[2J'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).exitCode).toBe(2);
    expect((err as UserError).message).toBe('--approve: "NOPE" is not a device ID or address watch has seen');
    expect(await readFile(join(w.dir, 'watch', 'state.json'), 'utf8')).toBe(state);
    await writeFile(join(w.dir, 'watch', 'state.json'), '{broken');
    const loginsBefore = w.hs.count('login');
    await expect(watch(w)).rejects.toThrow(/state.json is not valid JSON/);
    expect(w.hs.count('login')).toBe(loginsBefore); // refused before the admin logs in
    await writeFile(join(w.dir, 'watch', 'state.json'), '{"version":2,"items":{}}');
    const shape = await watch(w).catch((e: unknown) => e);
    expect(shape).toBeInstanceOf(UserError);
    expect((shape as UserError).message).toMatch(/state\.json is not a watch state file \(version 1\)$/);
    expect((shape as UserError).hint).toContain('move it away to take a new baseline');
    expect(await readFile(join(w.dir, 'watch', 'state.json'), 'utf8')).toBe('{"version":2,"items":{}}');
    await writeFile(join(w.dir, 'watch', 'state.json'), state);
    await rm(join(w.dir, 'control-room.json'));
    const logins = w.hs.count('login');
    await expect(watch(w, { notify: true })).rejects.toThrow(
      /--notify: no #control room recorded in this case/,
    );
    // Refused before the admin's password is sent anywhere.
    expect(w.hs.count('login')).toBe(logins);
  });

  it('homeserver failures: one line saying what and how to fix, exit 1, the password nowhere', async () => {
    const w = await world();
    await writeFile(join(w.dir, 'credentials', 'lead.txt'), 'password: not-the-password-at-all\n', {
      mode: 0o600,
    });
    const wrong = await watch(w).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(FailureError);
    expect((wrong as Error).message).toBe(
      `the homeserver refused the login of ${LEAD}: wrong user name or password`,
    );

    // A user who is not a server admin may not ask whois about others.
    const sessions = fakeSessions({ admins: [] });
    const hs = await startFakeHomeserver({
      domain: DOMAIN,
      users: { lead: PASSWORD },
      extension: sessions.extension,
    });
    cleanups.push(hs.close);
    await writeFile(join(w.dir, 'credentials', 'lead.txt'), `password: ${PASSWORD}\n`, { mode: 0o600 });
    const notAdmin = await watch({ ...w, hs }).catch((e: unknown) => e);
    expect((notAdmin as Error).message).toBe(
      `the homeserver refused whois to ${LEAD}: it is not a server admin`,
    );
    expect(hs.liveTokens()).toBe(0);

    const closed = await startFakeHomeserver({ domain: DOMAIN, users: {} });
    await closed.close();
    const down = await watch({ ...w, hs: closed }).catch((e: unknown) => e);
    expect((down as FailureError).exitCode).toBe(1);
    expect((down as Error).message).toMatch(
      /^cannot reach the homeserver at http:\/\/127\.0\.0\.1:\d+: connection refused$/,
    );
    expect(await readFile(join(w.dir, 'journal.jsonl'), 'utf8').catch(() => '')).not.toContain(PASSWORD);
  });

  it("with Synapse's admin API exposed: every account is watched, and each device shows its address", async () => {
    const w = await world(true);
    const first = await watch(w);
    expect(first.out.stderr.join('\n')).toContain("Synapse's admin API answers");
    expect(first.doc.rows).toContainEqual(
      expect.objectContaining({ user: A1, device: 'A1LAPTOP', address: '198.51.100.2', state: 'baseline' }),
    );
    // A stranger nobody invited anywhere: found through the account list.
    const eve = `@eve:${DOMAIN}`;
    w.sessions.login(eve, { id: 'EVE1', ip: '192.0.2.5', userAgent: 'Element/1', keys: false });
    w.sessions.login(A1, { id: 'SCRIPT', ip: '203.0.113.66', userAgent: 'curl/8', keys: false });
    const run = await watch(w);
    expect(w.hs.violations).toEqual([]);
    const got = run.doc.alerts.map(
      (a: { kind: string; user: string; text: string }) => `${a.kind} ${a.text}`,
    );
    expect(got).toEqual(
      expect.arrayContaining([
        `new-device new device SCRIPT for ${A1} from 203.0.113.66 (curl/8)`,
        `unknown-account account not in the case logged in: ${eve}, device EVE1 from 192.0.2.5 (Element/1)`,
      ]),
    );
  });
});
