import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { parse } from 'yaml';
import { makeCase } from '../helpers/case.js';
import { spawnCli } from '../helpers/cli-process.js';
import { closedPort } from '../helpers/fake-deployment.js';
import { type FakeHomeserver, startFakeHomeserver } from '../helpers/fake-homeserver.js';

// `matrix-oob user remove` (a seized laptop) against the test homeserver, whose
// /account/deactivate is checked against the Matrix spec's definition below.
const DOMAIN = 'oob-remove.test';
const passwords: Record<string, string> = { lead: 'lead-Pw-1', bob: 'bob-Pw-2', eve: 'eve-Pw-3' };

let hs: FakeHomeserver;
let kase: { dir: string; cleanup(): Promise<void> };
const creds = (u: string) => join(kase.dir, 'credentials', `${u}.txt`);
const config = () => parse(readFileSync(join(kase.dir, 'matrix-oob.yml'), 'utf8'));
const journal = () =>
  readFileSync(join(kase.dir, 'journal.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** A client of its own logging in as `user` (the seized laptop). */
const login = (user: string) =>
  fetch(`${hs.url}/_matrix/client/v3/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      type: 'm.login.password',
      identifier: { type: 'm.id.user', user },
      password: passwords[user],
    }),
  });

beforeAll(async () => {
  hs = await startFakeHomeserver({ domain: DOMAIN, users: { ...passwords } });
  kase = await makeCase({
    domain: DOMAIN,
    server: { address: '203.0.113.10' },
    users: [{ name: 'lead', admin: true }, { name: 'bob' }, { name: 'eve' }, { name: 'nobody' }],
  });
  await mkdir(join(kase.dir, 'credentials'), { recursive: true, mode: 0o700 });
  for (const [u, p] of Object.entries(passwords)) {
    await writeFile(creds(u), `user_id: @${u}:${DOMAIN}\npassword: ${p}\n`, { mode: 0o600 });
  }
});
afterAll(async () => {
  await hs?.close();
  await kase?.cleanup();
});

describe('user remove (built CLI, test homeserver)', () => {
  const env = () => ({ MATRIX_OOB_CONTROL_ROOM_URL: hs.url });

  it('deactivates the account (its sessions end), deletes its credentials, updates the config, journals it', async () => {
    // bob is logged in somewhere (the seized laptop).
    const before = hs.liveTokens();
    const laptop = await login('bob');
    expect(laptop.status).toBe(200);
    expect(hs.liveTokens()).toBe(before + 1);

    const r = await spawnCli(['--case', kase.dir, '--json', 'user', 'remove', 'bob'], env());
    expect(r.stderr).toContain(`@bob:${DOMAIN}: deactivated on the server`);
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(String(r.stdout))).toEqual({
      ok: true,
      user_id: `@bob:${DOMAIN}`,
      deactivated: true,
      credentials_deleted: true,
      removed_from_config: true,
    });
    expect(hs.deactivated).toEqual(new Set([`@bob:${DOMAIN}`]));
    expect(hs.liveTokens()).toBe(before); // the laptop's session is gone too
    expect(hs.violations).toEqual([]);
    expect(existsSync(creds('bob'))).toBe(false);
    expect(config().users.map((u: { name: string }) => u.name)).toEqual(['lead', 'eve', 'nobody']);
    expect(journal().at(-1)).toMatchObject({
      command: 'user remove',
      user: 'bob',
      result: 'ok',
      deactivated: true,
    });
    expect(
      String(r.stdout) + String(r.stderr) + readFileSync(join(kase.dir, 'journal.jsonl'), 'utf8'),
    ).not.toContain(passwords.bob);
    // It cannot log in again.
    const again = await login('bob');
    expect(again.status).toBe(403);
  });

  it('a password that no longer works (changed on the seized device): exit 1, nothing changed locally', async () => {
    await writeFile(creds('eve'), `user_id: @eve:${DOMAIN}\npassword: not-the-password\n`, { mode: 0o600 });
    const r = await spawnCli(['--case', kase.dir, 'user', 'remove', 'eve'], env());
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("error: the server refused eve's password");
    expect(r.stderr).toContain('A seized device');
    expect(existsSync(creds('eve'))).toBe(true);
    expect(config().users.map((u: { name: string }) => u.name)).toContain('eve');
    expect(hs.deactivated.has(`@eve:${DOMAIN}`)).toBe(false);
  });

  it('a configured user never registered: only the config changes; an unknown name: exit 2', async () => {
    const r = await spawnCli(['--case', kase.dir, 'user', 'remove', 'nobody'], env());
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain('was never registered');
    expect(config().users.map((u: { name: string }) => u.name)).not.toContain('nobody');
    const unknown = await spawnCli(['--case', kase.dir, '--json', 'user', 'remove', 'ghost'], env());
    expect(unknown.exitCode).toBe(2);
    expect(JSON.parse(String(unknown.stdout))).toMatchObject({
      ok: false,
      error: expect.stringContaining('no user ghost'),
    });
  });

  it('an unreachable homeserver: exit 1, nothing changed', async () => {
    const port = await closedPort();
    const r = await spawnCli(['--case', kase.dir, 'user', 'remove', 'lead'], {
      MATRIX_OOB_CONTROL_ROOM_URL: `http://127.0.0.1:${port}`,
    });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('cannot reach the homeserver');
    expect(existsSync(creds('lead'))).toBe(true);
  });

  it('a MATRIX_OOB_CONTROL_ROOM_URL left from another case: exit 2 naming the variable, the password not sent', async () => {
    const r = await spawnCli(['--case', kase.dir, 'user', 'remove', 'lead'], {
      MATRIX_OOB_CONTROL_ROOM_URL: 'https://matrix.other-case.org',
    });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(
      "error: MATRIX_OOB_CONTROL_ROOM_URL (from the environment) https://matrix.other-case.org is not this case's server",
    );
    expect(r.stderr).toContain('hint: unset MATRIX_OOB_CONTROL_ROOM_URL');
    expect(existsSync(creds('lead'))).toBe(true);
  });
});

// The test homeserver's /account/deactivate against the spec's own definition.
const SPEC = join(process.cwd(), '..', 'shared', 'matrix-spec', 'matrix-spec-v1.19-api.tar.gz');
const specTest = existsSync(SPEC) ? it : it.skip;
describe('contract: /account/deactivate as the Matrix spec defines it', () => {
  if (!existsSync(SPEC))
    it.skip(`skipped: ${SPEC} is absent (the spec tarball lives beside the project)`, () => {});
  specTest('POST, user-interactive auth, erase a boolean, 401 with the auth response', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mxoob-spec-'));
    try {
      await execa('tar', [
        '-xzf',
        SPEC,
        '-C',
        dir,
        '--wildcards',
        '*/client-server/account_deactivation.yaml',
      ]);
      const file = (await execa('find', [dir, '-name', 'account_deactivation.yaml'])).stdout.trim();
      const spec = parse(readFileSync(file, 'utf8'));
      const op = spec.paths['/account/deactivate'].post;
      expect(op).toBeDefined();
      const props = op.requestBody.content['application/json'].schema.properties;
      expect(props.erase.type).toBe('boolean');
      expect(props.auth.allOf[0].$ref).toBe('definitions/auth_data.yaml');
      expect(op.responses['401'].content['application/json'].schema.$ref).toBe(
        'definitions/auth_response.yaml',
      );
      expect(op.responses['200'].content['application/json'].schema.required).toEqual([
        'id_server_unbind_result',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
