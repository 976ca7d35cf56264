import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { caseSecrets, writeConfigFile } from '../helpers/case.js';
import { CLI, cli } from '../helpers/cli-process.js';
import { type FakeHomeserver, startFakeHomeserver } from '../helpers/fake-homeserver.js';
import { fixtureSuite } from '../helpers/fixture-suite.js';
import { makeFixtureRepo } from '../helpers/mdad-repo.js';

// `matrix-oob up` end to end: the built CLI, a real ansible-playbook on the fixture playbook, a
// real sshd on loopback, DNS servers on 127.53.9.0/24 (this suite only), the fake homeserver
// for the control-room hook. up.test.ts and example.test are ready; late.test points elsewhere.
describe('up', () => {
  let hs: FakeHomeserver;

  const configFile = (name: string, domain: string, extra: string[] = []) =>
    writeConfigFile(join(bed.dir, `${name}.yml`), domain, bed.sshd, ['homeserver: synapse', ...extra]);
  const state = (c: string) => JSON.parse(readFileSync(join(c, 'state.json'), 'utf8'));
  const journal = (c: string) =>
    readFileSync(join(c, 'journal.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const upSteps = (c: string) =>
    journal(c)
      .filter((e) => e.command === 'up' && e.stage)
      .map((e) => `${e.stage}:${e.result}`);

  const bed = fixtureSuite({
    name: 'up',
    dns: {
      prefix: '127.53.9',
      zones: [
        { domain: 'example.test' },
        { domain: 'fetch.test' },
        { domain: 'late.test', ip: '192.0.2.99' },
      ],
    },
    collections: true,
    env: { MATRIX_OOB_KILL_GRACE_MS: '3000', MATRIX_OOB_CASE: undefined, CI: undefined },
  });

  beforeAll(async () => {
    // The homeserver knows a user's password once `user add` has written it (as Synapse would).
    const passwords = new Proxy({} as Record<string, string>, {
      get: (_t, name) => {
        if (typeof name !== 'string') return undefined;
        const file = join(bed.dir, 'case', 'credentials', `${name}.txt`);
        return existsSync(file) ? /^password: (.*)$/m.exec(readFileSync(file, 'utf8'))?.[1] : undefined;
      },
    });
    hs = await startFakeHomeserver({ domain: 'example.test', users: passwords });
  });
  afterAll(async () => {
    await hs?.close();
  });

  it('refuses bad usage before writing anything', async () => {
    const file = configFile('usage', 'example.test', [`playbook:\n  path: ${bed.checkout}`]);
    const target = join(bed.dir, 'usage-case');
    const noFp = await cli(['-C', target, 'up', '--config', file, '--yes'], bed.env);
    expect(noFp.exitCode).toBe(2);
    expect(noFp.stderr).toContain('error: without a terminal, up needs');
    expect(noFp.stderr).toContain('--fingerprint');
    const badFp = await cli(['-C', target, 'up', '--config', file, '--fingerprint', 'MD5:aa:bb'], bed.env);
    expect(badFp.exitCode).toBe(2);
    expect(badFp.stderr).toContain('error: --fingerprint: "MD5:aa:bb" is not a SHA256 fingerprint');
    const pinned = (...flags: string[]) =>
      cli(
        ['-C', target, 'up', '--config', file, '--fingerprint', bed.sshd.hostFingerprint, ...flags],
        bed.env,
      );
    const badWait = await pinned('--dns-timeout', 'soon');
    expect(badWait.exitCode).toBe(2);
    expect(badWait.stderr).toContain('error: --dns-timeout: "soon" is not a duration');
    // A zero pause would re-check DNS in a tight loop for the whole --dns-timeout.
    const noPause = await pinned('--dns-interval', '0s');
    expect(noPause.exitCode).toBe(2);
    expect(noPause.stderr).toContain('error: --dns-interval: must be more than 0, got "0s"; use e.g. 10s');
    // A misspelt --skip-hook would let the hook run that was meant to be left out.
    const typo = await pinned('--skip-hook', '10-verfy');
    expect(typo.exitCode).toBe(2);
    expect(typo.stderr).toContain(
      'error: --skip-hook "10-verfy": no pre-setup/post-setup/post-start/post-users hook has that name',
    );
    expect(typo.stderr).toContain('10-verify');
    const noConfig = await cli(
      ['-C', target, 'up', '--yes', '--fingerprint', bed.sshd.hostFingerprint],
      bed.env,
    );
    expect(noConfig.exitCode).toBe(2);
    expect(noConfig.stderr).toContain(`error: no case in ${target}, and no terminal to run the wizard on`);
    expect(existsSync(target)).toBe(false);
  });

  it('waits for DNS, stops with exit 3 and the report at --dns-timeout; Ctrl-C while waiting exits 130', async () => {
    const file = configFile('late', 'late.test', [`playbook:\n  path: ${bed.checkout}`]);
    const late = join(bed.dir, 'late-case');
    const args = ['-C', late, 'up', '--config', file, '--yes', '--fingerprint', bed.sshd.hostFingerprint];
    const r = await cli([...args, '--dns-timeout', '1s', '--dns-interval', '300ms'], bed.env);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain('==> up [1/12] case folder and inventory (init)');
    expect(r.stderr).toMatch(/round 1: 0\/3 records ok, not ready/);
    expect(r.stderr).toMatch(/matrix\.late\.test\s+A\s+.*WRONG/);
    expect(r.stderr).toContain('error: DNS is still not ready after 1s: nothing was changed on the server');
    expect(r.stderr).toContain('up stopped at step dns (2/12)');
    expect(existsSync(join(late, 'inventory', 'hosts'))).toBe(true);
    expect(existsSync(join(late, 'known_hosts'))).toBe(false);
    expect(state(late).up.steps.dns.status).toBe('failed');

    // Ctrl-C during the wait: 130, the step named, recorded as interrupted.
    const child = execa('node', [CLI, ...args, '--dns-interval', '30s'], {
      env: bed.env,
      extendEnv: false,
      reject: false,
      all: true,
    });
    let output = '';
    child.all?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    const deadline = Date.now() + 30_000;
    while (!output.includes('round 1:') && Date.now() < deadline)
      await new Promise((res) => setTimeout(res, 50));
    child.kill('SIGINT');
    const c = await child;
    expect(c.exitCode).toBe(130);
    expect(c.stderr).toContain('(init): the case in');
    expect(c.stderr).toContain('--config is not read again');
    expect(c.stderr).toContain('error: up interrupted at step dns (2/12)');
    expect(c.stderr).toContain('Resume with: matrix-oob up');
    expect(state(late).up.steps.dns.status).toBe('interrupted');
    expect(upSteps(late)).toEqual(['init:ok', 'dns:failed', 'init:skipped', 'dns:interrupted']);
  }, 60_000);

  it('fetches a missing checkout, pins the key by fingerprint, and stops with the doctor report', async () => {
    const repo = makeFixtureRepo(join(bed.dir, 'repo'));
    const file = configFile('fetch', 'fetch.test');
    const kase = join(bed.dir, 'fetch-case');
    const r = await cli(
      [
        '-C',
        kase,
        'up',
        '--config',
        file,
        '--yes',
        '--fingerprint',
        bed.sshd.hostFingerprint,
        '--skip-dns-check',
      ],
      // No community.docker (nor community.general) collection: doctor fails.
      {
        ...bed.env,
        MATRIX_OOB_PLAYBOOK_REPO: repo.url,
        MATRIX_OOB_PLAYBOOK_REF: repo.commits[0],
        ANSIBLE_COLLECTIONS_PATH: join(bed.dir, 'nowhere'),
      },
    );
    expect(r.stderr).toContain('warning: DNS check skipped');
    expect(existsSync(join(kase, 'playbook', 'setup.yml'))).toBe(true);
    expect(existsSync(join(kase, 'playbook', 'roles', 'galaxy', 'playbook_help'))).toBe(true);
    expect(readFileSync(join(kase, 'known_hosts'), 'utf8')).toContain(bed.sshd.hostPublicKey);
    expect(r.stderr).toContain(`pinned ED25519 ${bed.sshd.hostFingerprint}`);
    expect(r.stderr).toMatch(/FAIL\s+community\.docker/);
    expect(r.stderr).toMatch(/FAIL\s+community\.general/);
    expect(r.stderr).toContain(
      'error: doctor found 2 problems (FAIL above): nothing was changed on the server',
    );
    expect(r.stderr).toContain('up stopped at step doctor (5/12)');
    expect(r.exitCode).toBe(1);
    expect(upSteps(kase)).toEqual(['init:ok', 'dns:skipped', 'playbook:ok', 'host-key:ok', 'doctor:failed']);
    expect(readdirSync(join(kase, 'logs'))).toEqual([]);
  }, 90_000);

  it('goes from a config file to a server with users and a control room; resumes after a failure', async () => {
    const kase = join(bed.dir, 'case');
    // Case hooks, executables run on this machine: one notes its event, one always fails.
    mkdirSync(join(kase, 'hooks', 'post-setup'), { recursive: true });
    mkdirSync(join(kase, 'hooks', 'post-start'), { recursive: true });
    const marks = join(bed.dir, 'hook-marks');
    writeFileSync(
      join(kase, 'hooks', 'post-setup', '50-mark'),
      `#!/bin/sh\necho "$MATRIX_OOB_EVENT $MATRIX_OOB_DOMAIN" >> ${marks}\n`,
    );
    writeFileSync(
      join(kase, 'hooks', 'post-start', '50-page-oncall'),
      '#!/bin/sh\necho "pager down" >&2\nexit 4\n',
    );
    chmodSync(join(kase, 'hooks', 'post-setup', '50-mark'), 0o755);
    chmodSync(join(kase, 'hooks', 'post-start', '50-page-oncall'), 0o755);
    // Another operator's commands on the case while up runs (not up's own hook: no
    // MATRIX_OOB_LOCK_PID): up holds the case lock between its steps, so both are refused.
    const intruder = join(bed.dir, 'intruder.log');
    const other = `env -u MATRIX_OOB_LOCK_PID ${process.execPath} ${CLI} -C ${kase}`;
    writeFileSync(
      join(kase, 'hooks', 'post-setup', '60-intruder'),
      [
        '#!/bin/sh',
        `${other} deploy --stage start >> ${intruder} 2>&1; echo "deploy exit $?" >> ${intruder}`,
        `${other} init --config ${join(kase, 'matrix-oob.yml')} --yes >> ${intruder} 2>&1; echo "init exit $?" >> ${intruder}`,
        '',
      ].join('\n'),
    );
    chmodSync(join(kase, 'hooks', 'post-setup', '60-intruder'), 0o755);
    const file = configFile('main', 'example.test', [
      'users:',
      // One user, created by the setup run (the card with several: tests/unit).
      '  - name: alice',
      '    admin: true',
      `playbook:\n  path: ${bed.checkout}`,
    ]);
    // Hooks that need the server's network or sudo on this machine: skipped (own suites).
    const skip = ['--skip-hook', '10-server-preflight', '--skip-hook', '10-verify'];

    const failed = await cli(
      ['-C', kase, 'up', '--config', file, '--yes', '--fingerprint', bed.sshd.hostFingerprint, ...skip],
      { ...bed.env, MDAD_FIXTURE_FAIL: 'start' },
    );
    expect(failed.stderr).toContain('DNS');
    expect(failed.stderr).toContain('stage setup finished');
    expect(failed.stderr).toContain('error: stage start failed');
    expect(failed.stderr).toContain('message: Fixture start failure');
    expect(failed.stderr).toContain('up stopped at step start (9/12)');
    expect(failed.exitCode).toBe(1);
    expect(readFileSync(marks, 'utf8')).toBe('post-setup example.test\n');
    const refused = readFileSync(intruder, 'utf8');
    expect(refused).toMatch(/^deploy exit 2$/m);
    expect(refused).toMatch(/^init exit 2$/m);
    expect(refused.match(/another matrix-oob, pid \d+, running `up` since /g)).toHaveLength(2);
    const s1 = state(kase);
    expect(
      Object.fromEntries(Object.entries(s1.up.steps).map(([k, v]) => [k, (v as { status: string }).status])),
    ).toEqual({
      init: 'finished',
      dns: 'finished',
      playbook: 'finished',
      'host-key': 'finished',
      doctor: 'finished',
      'pre-setup': 'finished',
      setup: 'finished',
      'post-setup': 'finished',
      start: 'failed',
    });
    expect(s1.deploy.stages.setup.status).toBe('finished');
    expect(s1.deploy.stages.start.status).toBe('failed');

    // The resume: no --config, --fingerprint or failure this time; --json for the card.
    const ok = await cli(['-C', kase, '--json', 'up', '--yes', ...skip], {
      ...bed.env,
      MATRIX_OOB_CONTROL_ROOM_URL: hs.url,
    });
    expect(ok.stderr).toContain('resuming the run started');
    expect(ok.stderr).toContain('up [6/12] pre-setup hooks: finished in the run being resumed, skipping');
    expect(ok.stderr).toContain('up [7/12] deploy stage setup: finished in the run being resumed, skipping');
    expect(ok.stderr).not.toContain('TASK [custom/fixture_server : Install (fixture)]');
    expect(ok.stderr).toContain('stage start finished');
    expect(ok.stderr).toContain('[50-page-oncall] pager down');
    expect(ok.stderr).toContain('warning: post-start hook 50-page-oncall failed (exit 4); going on');
    expect(ok.exitCode).toBe(0);
    expect(readFileSync(marks, 'utf8')).toBe('post-setup example.test\n'); // not run again
    expect(readFileSync(join(bed.data, 'started'), 'utf8')).toBe('yes\n');

    const creds = (u: string) => join(kase, 'credentials', `${u}.txt`);
    for (const u of ['alice']) {
      expect(statSync(creds(u)).mode & 0o777).toBe(0o600);
      expect(existsSync(join(bed.data, 'users', `${u}.json`))).toBe(true);
    }
    // The card, on stderr: where to log in, whose credentials are where, the room, what failed, what next.
    const card = ok.stderr.slice(ok.stderr.lastIndexOf('Matrix for example.test is up'));
    expect(card).toContain('Element      https://element.example.test');
    expect(card).toContain('Homeserver   https://matrix.example.test');
    expect(card).toContain(`@alice:example.test (admin)  ${creds('alice')}`);
    expect(card).toMatch(/#control:example\.test {2}!\S+/);
    expect(card).toContain('post-start: 50-page-oncall');
    expect(card).toContain('out of band');
    expect(card).toContain("verify each other's devices");
    expect(card).toContain('matrix-oob teardown (docs/teardown.md)');
    // The same as JSON on stdout, and nothing else there.
    const json = JSON.parse(ok.stdout);
    expect(json.ok).toBe(true);
    expect(json.summary).toMatchObject({
      homeserver_url: 'https://matrix.example.test',
      element_url: 'https://element.example.test',
      users: [{ name: 'alice', user_id: '@alice:example.test', admin: true, credentials: creds('alice') }],
      control_room: { alias: '#control:example.test' },
      hook_failures: [{ event: 'post-start', hook: '50-page-oncall' }],
    });
    expect(json.steps.map((s: { step: string; result: string }) => `${s.step}:${s.result}`)).toEqual([
      'init:skipped',
      'dns:ok',
      'playbook:skipped',
      'host-key:skipped',
      'doctor:ok',
      'pre-setup:skipped',
      'setup:skipped',
      'post-setup:skipped',
      'start:ok',
      'post-start:ok',
      // The setup run created alice (MDAD's matrix-user-creator): no register-user run.
      'users:skipped',
      'post-users:ok',
    ]);
    expect(JSON.parse(readFileSync(join(bed.data, 'users', 'alice.json'), 'utf8'))).toMatchObject({
      username: 'alice',
      admin: 'yes',
      via: 'matrix-user-creator',
    });
    expect(hs.violations).toEqual([]);
    expect(hs.count('createRoom')).toBe(1);

    // No secret anywhere in what was printed, logged or journaled.
    const passwords = ['alice'].map((u) => /^password: (.*)$/m.exec(readFileSync(creds(u), 'utf8'))![1]!);
    const secrets = [...caseSecrets(kase), ...passwords];
    expect(secrets).toHaveLength(3);
    const stored = [
      readFileSync(join(kase, 'journal.jsonl'), 'utf8'),
      readFileSync(join(kase, 'state.json'), 'utf8'),
      ...readdirSync(join(kase, 'logs')).map((f) => readFileSync(join(kase, 'logs', f), 'utf8')),
    ].join('\n');
    for (const s of secrets) {
      expect(failed.stdout + failed.stderr + ok.stdout + ok.stderr).not.toContain(s);
      expect(stored).not.toContain(s);
    }
    const s2 = state(kase);
    expect(s2.up.finished_at).toEqual(expect.any(String));
    expect(s2.up.steps['post-start'].failed_hooks).toEqual(['50-page-oncall']);
    expect(s2.deploy.stages.start.status).toBe('finished');
    expect(journal(kase).at(-1)).toMatchObject({ command: 'up', result: 'ok', users: ['alice'] });
  }, 240_000);
});
