import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { writeCase } from '../helpers/case.js';
import { allCmdlines, ansibleProcesses, CLI, cli, startCli } from '../helpers/cli-process.js';
import { fixtureSuite } from '../helpers/fixture-suite.js';

// A password that breaks every naive way of passing it: spaces, both quotes, Jinja, $, a
// backslash, non-ASCII.
const NASTY = `p a'ss"w {{ lookup('env','HOME') }} {% raw %} $HOME \\n \\ é€😀 end`;

// `matrix-oob user add` end to end: built CLI, real ansible-playbook, real sshd on loopback.
describe('user add', () => {
  const bed = fixtureSuite({
    name: 'users',
    case: {
      users: [
        { name: 'alice', admin: true },
        { name: 'bob', admin: false },
      ],
      // Jitsi with per-user logins: user add hands each user their Jitsi password too.
      callStack: 'jitsi',
    },
    env: { MATRIX_OOB_KILL_GRACE_MS: '3000' },
  });

  const received = (name: string) => {
    const r = JSON.parse(readFileSync(join(bed.data, 'users', `${name}.json`), 'utf8'));
    return { ...r, password: Buffer.from(r.password_b64, 'base64').toString('utf8') };
  };
  const everythingStored = () => {
    const parts = [readFileSync(join(bed.caseDir, 'journal.jsonl'), 'utf8')];
    for (const f of readdirSync(join(bed.caseDir, 'logs')))
      parts.push(readFileSync(join(bed.caseDir, 'logs', f), 'utf8'));
    return parts.join('\n');
  };
  // Extra-vars files live in the case's .tmp/ (0700), not the system temp folder (issue #9, item 6).
  const varsFilesLeft = () =>
    [bed.tmp, join(bed.caseDir, '.tmp')].flatMap((d) =>
      existsSync(d) ? readdirSync(d).filter((f) => f.startsWith('matrix-oob-vars-')) : [],
    );

  it('passes a hostile password byte for byte, never in an argument list, log, journal or output', async () => {
    const pwFile = join(bed.dir, 'pw.txt');
    writeFileSync(pwFile, `${NASTY}\n`, { mode: 0o600 });
    const run = execa('node', [CLI, '-C', bed.caseDir, 'user', 'add', 'carol', '--password-file', pwFile], {
      env: bed.env,
      extendEnv: false,
      reject: false,
      all: true,
    });
    // Sample every process's argument list while the run lasts.
    let samples = 0;
    let sawAnsible = false;
    const leaks: string[] = [];
    const needles = [NASTY, 'a\'ss"w', '{% raw %}', 'é€😀'];
    const timer = setInterval(() => {
      samples++;
      for (const p of allCmdlines()) {
        if (p.cmdline.includes('ansible-playbook')) sawAnsible = true;
        if (needles.some((n) => p.cmdline.includes(n))) leaks.push(p.cmdline);
      }
    }, 25);
    const r = await run;
    clearInterval(timer);
    expect(r.exitCode).toBe(0);
    expect(sawAnsible).toBe(true);
    expect(samples).toBeGreaterThan(20);
    expect(leaks).toEqual([]);

    const got = received('carol');
    expect(got.password).toBe(NASTY);
    expect(got.username).toBe('carol');
    expect(got.admin).toBe('no');

    for (const text of [r.all ?? '', everythingStored()]) {
      for (const n of needles) expect(text).not.toContain(n);
    }
    expect(r.stderr).toContain('@carol:example.test: registered');
    // carol was not in the config: now she is, so the control room invites her (issue 10).
    expect(r.stderr).toContain('carol was not in');
    expect(r.stderr).toContain('so "matrix-oob control-room" invites it');
    expect(readFileSync(join(bed.caseDir, 'matrix-oob.yml'), 'utf8')).toMatch(/- name: carol\n/);
    expect(varsFilesLeft()).toEqual([]);

    const credFile = join(bed.caseDir, 'credentials', 'carol.txt');
    expect(statSync(credFile).mode & 0o777).toBe(0o600);
    expect(statSync(join(bed.caseDir, 'credentials')).mode & 0o777).toBe(0o700);
    const cred = readFileSync(credFile, 'utf8');
    expect(cred).toContain('homeserver: https://matrix.example.test\n');
    expect(cred).toContain('user_id: @carol:example.test\n');
    expect(cred).toContain(`password: ${NASTY}\n`);
    expect(cred).toContain('element: https://element.example.test\n');
    expect(cred).toMatch(/reminder: .*verify the device fingerprints/);
    expect(existsSync(join(bed.caseDir, 'credentials', 'carol.pending'))).toBe(false);
  }, 90_000);

  it('a failure prints the summary and a hint, exits 1, and leaks nothing', async () => {
    const r = await cli(['-C', bed.caseDir, 'user', 'add', 'bob'], {
      ...bed.env,
      MDAD_FIXTURE_FAIL: 'register-user-taken',
    });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('error: registering @bob:example.test failed');
    expect(r.stderr).toContain('User ID already taken');
    expect(r.stderr).toContain('hint: this user already exists on the server');
    expect(r.stderr).toContain('[REDACTED]');
    // The fixture printed the password (as MDAD does): it must be redacted everywhere.
    const pending = readFileSync(join(bed.caseDir, 'credentials', 'bob.pending'), 'utf8');
    const password = /^password: (.*)$/m.exec(pending)![1]!;
    expect(password).toMatch(/^[A-Za-z0-9]{64}$/);
    expect(r.all).not.toContain(password);
    expect(everythingStored()).not.toContain(password);
    expect(existsSync(join(bed.caseDir, 'credentials', 'bob.txt'))).toBe(false);
    expect(varsFilesLeft()).toEqual([]);
    const last = JSON.parse(
      readFileSync(join(bed.caseDir, 'journal.jsonl'), 'utf8').trim().split('\n').at(-1)!,
    );
    expect(last).toMatchObject({
      stage: 'register-user',
      user: 'bob',
      result: 'failed',
      hint: 'user-exists',
    });
  }, 90_000);

  it('Ctrl-C mid-run exits 130 and leaves no process and no extra-vars file', async () => {
    const { child, waitFor } = startCli(['-C', bed.caseDir, 'user', 'add', 'dave'], {
      ...bed.env,
      MDAD_FIXTURE_SLEEP: '120',
    });
    await waitFor('Wait before starting');
    expect(varsFilesLeft()).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 500));
    child.kill('SIGINT');
    const r = await child;
    expect(r.exitCode).toBe(130);
    expect(ansibleProcesses(bed.caseDir)).toEqual([]);
    expect(allCmdlines().filter((p) => p.cmdline.includes(bed.tmp))).toEqual([]);
    expect(readdirSync(bed.tmp)).toEqual([]);
    expect(existsSync(join(bed.data, 'users', 'dave.json'))).toBe(false);
  }, 90_000);

  it('--all registers the configured users, reusing a pending password and skipping registered ones', async () => {
    const pending = readFileSync(join(bed.caseDir, 'credentials', 'bob.pending'), 'utf8');
    const bobPassword = /^password: (.*)$/m.exec(pending)![1]!;
    writeFileSync(join(bed.caseDir, 'credentials', 'alice.txt'), 'password: alreadyThere99\n', {
      mode: 0o600,
    });
    const r = await cli(['-C', bed.caseDir, '--json', 'user', 'add', '--all'], bed.env);
    expect(r.exitCode).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.users.map((u: { name: string; status: string }) => [u.name, u.status])).toEqual([
      ['alice', 'skipped'],
      ['bob', 'registered'],
      ['carol', 'skipped'], // added to the config by "user add carol"
      ['recorder', 'registered'],
    ]);
    expect(received('bob')).toMatchObject({ password: bobPassword, admin: 'no' });
    // The recorder's account comes with the users: a generated password, kept 0600 in the case.
    const rec = received('recorder');
    expect(rec).toMatchObject({ admin: 'no' });
    expect(rec.password).toMatch(/^[A-Za-z0-9]{64}$/);
    expect(statSync(join(bed.caseDir, 'credentials', 'recorder.txt')).mode & 0o777).toBe(0o600);
    expect(r.stdout + r.stderr).not.toContain(rec.password);
    expect(r.stdout + r.stderr).not.toContain(bobPassword);
    const bobFile = readFileSync(join(bed.caseDir, 'credentials', 'bob.txt'), 'utf8');
    expect(bobFile).toContain(`password: ${bobPassword}\n`);
    // The Jitsi login init generated for bob, from vars.yml, beside the Matrix one.
    const vars = parseYaml(
      readFileSync(join(bed.caseDir, 'inventory/host_vars/matrix.example.test/vars.yml'), 'utf8'),
    );
    const jitsi = vars.jitsi_prosody_auth_internal_accounts.find(
      (a: { username: string }) => a.username === 'bob',
    );
    expect(jitsi.password).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(bobFile).toContain(`jitsi_username: bob\njitsi_password: ${jitsi.password}\n`);
    expect(r.stdout + r.stderr).not.toContain(jitsi.password);
  }, 90_000);

  it('--reset sets a new password with update-user-password; --show-password shows it once', async () => {
    const r = await cli(['-C', bed.caseDir, 'user', 'add', 'alice', '--reset', '--show-password'], bed.env);
    expect(r.exitCode).toBe(0);
    const got = received('alice');
    expect(got.reset).toBe(true);
    expect(got.password).toMatch(/^[A-Za-z0-9]{64}$/);
    expect(r.stderr.split(got.password).length - 1).toBe(1);
    expect(readFileSync(join(bed.caseDir, 'credentials', 'alice.txt'), 'utf8')).toContain(
      `password: ${got.password}\n`,
    );
    expect(everythingStored()).not.toContain(got.password);
  }, 90_000);

  it('--admin for a user the config lists without it registers an admin and says so in the config', async () => {
    const configFile = join(bed.caseDir, 'matrix-oob.yml');
    const config = parseYaml(readFileSync(configFile, 'utf8'));
    config.users.push({ name: 'dave' });
    writeFileSync(configFile, stringifyYaml(config), { mode: 0o600 });
    const r = await cli(['-C', bed.caseDir, 'user', 'add', 'dave', '--admin'], bed.env);
    expect(r.exitCode).toBe(0);
    expect(received('dave')).toMatchObject({ admin: 'yes' });
    expect(r.stderr).toContain(`dave was registered as an admin: admin: true set for it in ${configFile}.`);
    const after = parseYaml(readFileSync(configFile, 'utf8'));
    expect(after.users.find((u: { name: string }) => u.name === 'dave')).toEqual({
      name: 'dave',
      admin: true,
    });
    expect(after.users.find((u: { name: string }) => u.name === 'bob')).toEqual({
      name: 'bob',
      admin: false,
    });
  }, 90_000);

  it('creates a user on conduit through the user-creator role, in a 0600 extra-vars file', async () => {
    const conduit = writeCase(join(bed.dir, 'conduit'), bed.sshd, join(bed.dir, 'mdad'), {
      homeserver: 'conduit',
    });
    const r = await cli(['-C', conduit, 'user', 'add', 'xavier', '--admin'], bed.env);
    expect(r.exitCode).toBe(0);
    expect(readFileSync(join(conduit, 'journal.jsonl'), 'utf8')).toContain(
      '"stage":"ensure-matrix-users-created","user":"xavier"',
    );
    const got = JSON.parse(readFileSync(join(bed.data, 'users', 'xavier.json'), 'utf8'));
    expect(got).toMatchObject({ username: 'xavier', admin: 'yes', via: 'matrix-user-creator' });
    const password = Buffer.from(got.password_b64, 'base64').toString();
    expect(readFileSync(join(conduit, 'credentials', 'xavier.txt'), 'utf8')).toContain(
      `password: ${password}\n`,
    );
    expect(r.stderr + r.stdout).not.toContain(password);
  }, 90_000);

  it('refuses a homeserver the playbook cannot create users on, and a password with a line break', async () => {
    const tuwunel = writeCase(join(bed.dir, 'tuwunel'), bed.sshd, join(bed.dir, 'mdad'), {
      homeserver: 'tuwunel',
    });
    const r = await cli(['-C', tuwunel, 'user', 'add', 'x'], bed.env);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('homeserver tuwunel has neither a register-user task nor a user-creator task');
    const pw = join(bed.dir, 'two-lines.txt');
    writeFileSync(pw, 'one\ntwo\n');
    const r2 = await cli(['-C', bed.caseDir, 'user', 'add', 'erin', '--password-file', pw], bed.env);
    expect(r2.exitCode).toBe(2);
    expect(r2.stderr).toContain('the password contains a line break');
    writeFileSync(pw, 'short\n');
    const r3 = await cli(['-C', bed.caseDir, 'user', 'add', 'erin', '--password-file', pw], bed.env);
    expect(r3.exitCode).toBe(2);
    expect(r3.stderr).toContain('--password-file: the password has 5 characters; at least 12 are needed');
    const dendrite = writeCase(join(bed.dir, 'dendrite'), bed.sshd, join(bed.dir, 'mdad'), {
      homeserver: 'dendrite',
    });
    const r4 = await cli(['-C', dendrite, 'user', 'add', 'x', '--reset'], bed.env);
    expect(r4.exitCode).toBe(2);
    expect(r4.stderr).toContain(
      '--reset: the playbook can change passwords only on synapse, not on dendrite',
    );
    expect(existsSync(join(bed.caseDir, 'credentials', 'erin.pending'))).toBe(false);
  });
});
