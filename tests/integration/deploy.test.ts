import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { caseSecrets, writeCase } from '../helpers/case.js';
import { allCmdlines, ansibleProcesses, cli, startCli } from '../helpers/cli-process.js';
import { fixtureSuite } from '../helpers/fixture-suite.js';
import { makeFixtureCheckout } from '../helpers/mdad-fixture.js';

// `matrix-oob deploy` end to end: the built CLI, a real ansible-playbook on the fixture
// playbook, a real sshd on loopback with a pinned host key.
describe('deploy', () => {
  // No DNS here: the gate is covered in up.test.ts and deploy-dns-gate.test.ts.
  const bed = fixtureSuite({ name: 'deploy', case: {}, env: { MATRIX_OOB_KILL_GRACE_MS: '3000' } });

  const logFiles = (c: string) => (existsSync(join(c, 'logs')) ? readdirSync(join(c, 'logs')) : []);
  const journalLines = () =>
    readFileSync(join(bed.caseDir, 'journal.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  it('--dry-run prints the exact commands and runs nothing', async () => {
    const r = await cli(['-C', bed.caseDir, 'deploy', '--dry-run', '--', '-v'], bed.env);
    expect(r.exitCode).toBe(0);
    const hosts = join(bed.caseDir, 'inventory', 'hosts');
    expect(r.stdout).toContain('# stage setup');
    expect(r.stdout).toContain(
      `ansible-playbook -i ${hosts} setup.yml --tags=install-all,ensure-matrix-users-created -v`,
    );
    expect(r.stdout).toContain(`ansible-playbook -i ${hosts} setup.yml --tags=start -v`);
    expect(r.stdout).toContain(`cd ${bed.checkout} && ANSIBLE_SSH_ARGS=`);
    expect(r.stdout).toContain('StrictHostKeyChecking=yes');
    expect(r.stdout).toContain(`UserKnownHostsFile="${join(bed.caseDir, 'known_hosts')}"`);
    expect(existsSync(join(bed.dir, 'data'))).toBe(false);
    expect(logFiles(bed.caseDir)).toEqual([]);
    const full = await cli(['-C', bed.caseDir, 'deploy', '--dry-run', '--full'], bed.env);
    expect(full.stdout).toContain('--tags=setup-all,ensure-matrix-users-created');
  });

  it('refuses a stage whose tag the checkout lacks, before running anything', async () => {
    const old = makeFixtureCheckout(join(bed.dir, 'old-mdad'));
    const tasks = join(old, 'roles/custom/fixture_server/tasks/main.yml');
    writeFileSync(tasks, readFileSync(tasks, 'utf8').replace(/install-all, /g, ''));
    const oldCase = writeCase(join(bed.dir, 'old-case'), bed.sshd, old);
    const r = await cli(['-C', oldCase, 'deploy'], bed.env);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`error: the playbook in ${old} has no tag "install-all"; nothing was run`);
    expect(r.stderr).toContain('hint:');
    expect(logFiles(oldCase)).toEqual([]);
  });

  it('a checkout without its galaxy roles fails before running, with the hint', async () => {
    const bare = makeFixtureCheckout(join(bed.dir, 'bare-mdad'), { roles: false });
    const bareCase = writeCase(join(bed.dir, 'bare-case'), bed.sshd, bare);
    const r = await cli(['-C', bareCase, 'deploy'], bed.env);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("the role 'galaxy/playbook_help' was not found");
    expect(r.stderr).toContain(
      'hint: the playbook\'s galaxy roles are not installed: run "matrix-oob playbook fetch"',
    );
    expect(logFiles(bareCase)).toEqual([]);
  });

  it('a failing task ends with the failure summary and exit 1; the next run resumes', async () => {
    const failed = await cli(['-C', bed.caseDir, 'deploy'], { ...bed.env, MDAD_FIXTURE_FAIL: 'start' });
    expect(failed.exitCode).toBe(1);
    // Streamed output reaches the terminal (stderr) as Ansible prints it.
    expect(failed.stderr).toContain('TASK [custom/fixture_server : Install (fixture)]');
    expect(failed.stderr).toContain('stage setup finished');
    expect(failed.stderr).toContain('error: stage start failed');
    expect(failed.stderr).toContain(
      'task: custom/fixture_server : Fail the start step when asked to (on matrix.example.test)',
    );
    expect(failed.stderr).toContain('message: Fixture start failure');
    expect(failed.stderr).toMatch(/recap: matrix\.example\.test: ok=\d+ changed=\d+ failed=1/);
    expect(failed.stderr).toContain(
      `resume: matrix-oob --case ${bed.caseDir} deploy (finished stages are skipped)`,
    );
    expect(readFileSync(join(bed.dir, 'data', 'installed'), 'utf8')).toContain('domain=example.test');
    expect(existsSync(join(bed.dir, 'data', 'started'))).toBe(false);
    // Secrets from vars.yml never reach the output.
    const secrets = caseSecrets(bed.caseDir);
    expect(secrets).toHaveLength(2);
    for (const s of secrets) expect(failed.all).not.toContain(s);

    const state = JSON.parse(readFileSync(join(bed.caseDir, 'state.json'), 'utf8'));
    expect(state.deploy.stages.setup.status).toBe('finished');
    expect(state.deploy.stages.start.status).toBe('failed');
    const logs = readdirSync(join(bed.caseDir, 'logs'));
    expect(logs.filter((f) => f.endsWith('-setup.log'))).toHaveLength(1);
    for (const f of logs) expect(statSync(join(bed.caseDir, 'logs', f)).mode & 0o777).toBe(0o600);

    const resumed = await cli(['-C', bed.caseDir, 'deploy'], bed.env);
    expect(resumed.exitCode).toBe(0);
    expect(resumed.stderr).toContain('stage setup: finished in the last run, skipping');
    expect(resumed.stderr).not.toContain('TASK [custom/fixture_server : Install (fixture)]');
    expect(resumed.stderr).toContain('stage start finished');
    // What comes next, for this case wherever the shell is (issue 10).
    expect(resumed.stderr).toContain(
      `Next: "matrix-oob verify --case ${bed.caseDir}" checks it from outside`,
    );
    expect(readFileSync(join(bed.dir, 'data', 'started'), 'utf8')).toBe('yes\n');
    expect(readdirSync(join(bed.caseDir, 'logs')).filter((f) => f.endsWith('-setup.log'))).toHaveLength(1);

    const j = journalLines().filter((e) => e.command === 'deploy');
    expect(j.map((e) => [e.stage, e.result])).toEqual([
      ['dns-gate', 'skipped'],
      ['setup', 'ok'],
      ['start', 'failed'],
      ['dns-gate', 'skipped'],
      ['setup', 'skipped'],
      ['start', 'ok'],
    ]);
    const failedEntry = j[2]!;
    expect(failedEntry.exit_code).toBe(2);
    expect(failedEntry.failed_task).toBe('custom/fixture_server : Fail the start step when asked to');
    expect((failedEntry.recap as Record<string, { failed: number }>)['matrix.example.test']?.failed).toBe(1);
    expect(typeof failedEntry.duration_ms).toBe('number');
    expect(failedEntry.ansible).toContain('--tags=start');
    for (const s of secrets)
      expect(readFileSync(join(bed.caseDir, 'journal.jsonl'), 'utf8')).not.toContain(s);
  }, 120_000);

  it("creates the case's users in the setup run (0600 extra-vars file, never argv or vars.yml)", async () => {
    const data = join(bed.dir, 'data-users');
    const usersCase = writeCase(join(bed.dir, 'users-case'), bed.sshd, bed.checkout, {
      users: [{ name: 'lead1', admin: true }, { name: 'analyst1' }],
    });
    const r = await cli(['-C', usersCase, 'deploy'], { ...bed.env, MDAD_FIXTURE_DATA: data });
    expect(r.exitCode).toBe(0);
    // The recorder's account comes with the users, before anyone can talk (docs/record.md).
    expect(r.stderr).toContain(
      'creating @lead1:example.test (admin), @analyst1:example.test, @recorder:example.test in this run',
    );
    const creds = (u: string) => readFileSync(join(usersCase, 'credentials', `${u}.txt`), 'utf8');
    for (const [u, admin] of [
      ['lead1', 'yes'],
      ['analyst1', 'no'],
      ['recorder', 'no'],
    ] as const) {
      const got = JSON.parse(readFileSync(join(data, 'users', `${u}.json`), 'utf8'));
      expect(got).toMatchObject({ username: u, admin, via: 'matrix-user-creator' });
      const password = Buffer.from(got.password_b64, 'base64').toString();
      expect(password).toMatch(/^[A-Za-z0-9]{64}$/);
      expect(creds(u)).toContain(`password: ${password}\n`);
      expect(statSync(join(usersCase, 'credentials', `${u}.txt`)).mode & 0o777).toBe(0o600);
      expect(existsSync(join(usersCase, 'credentials', `${u}.pending`))).toBe(false);
      expect(r.all).not.toContain(password);
      expect(readFileSync(join(usersCase, 'journal.jsonl'), 'utf8')).not.toContain(password);
      expect(
        readFileSync(join(usersCase, 'inventory', 'host_vars', 'matrix.example.test', 'vars.yml'), 'utf8'),
      ).not.toContain(password);
      for (const f of readdirSync(join(usersCase, 'logs')))
        expect(readFileSync(join(usersCase, 'logs', f), 'utf8')).not.toContain(password);
    }
    // The extra-vars file is gone; the next setup run creates nobody (credentials exist).
    const caseTmp = join(usersCase, '.tmp');
    expect(
      existsSync(caseTmp) ? readdirSync(caseTmp).filter((f) => f.startsWith('matrix-oob-vars-')) : [],
    ).toEqual([]);
    const again = await cli(['-C', usersCase, 'deploy', '--from-start'], {
      ...bed.env,
      MDAD_FIXTURE_DATA: data,
    });
    expect(again.exitCode).toBe(0);
    expect(again.stderr).not.toContain('in this run');
  }, 120_000);

  it('runs setup-all once, saying why, when a component was switched off since the last setup', async () => {
    const data = join(bed.dir, 'data-off');
    const offCase = writeCase(join(bed.dir, 'off-case'), bed.sshd, bed.checkout);
    const runEnv = { ...bed.env, MDAD_FIXTURE_DATA: data };
    expect((await cli(['-C', offCase, 'deploy'], runEnv)).exitCode).toBe(0);
    expect(existsSync(join(data, 'setup-all'))).toBe(false);
    const deployed = JSON.parse(readFileSync(join(offCase, 'state.json'), 'utf8')).deployed;
    expect(deployed.switches).toMatchObject({ matrix_client_element_enabled: true, jitsi_enabled: false });
    // Element off (as `init` writes it after element: false).
    const vars = join(offCase, 'inventory', 'host_vars', 'matrix.example.test', 'vars.yml');
    writeFileSync(
      vars,
      readFileSync(vars, 'utf8').replace(
        'matrix_client_element_enabled: true',
        'matrix_client_element_enabled: false',
      ),
    );
    const off = await cli(['-C', offCase, 'deploy'], runEnv);
    expect(off.exitCode).toBe(0);
    expect(off.stderr).toContain('==> stage setup: --tags=setup-all,ensure-matrix-users-created');
    expect(off.stderr).toContain(
      'matrix_client_element_enabled went from true to false since the last setup: running setup-all, which uninstalls that component',
    );
    expect(readFileSync(join(data, 'setup-all'), 'utf8')).toBe('yes\n');
    // Recorded: the next deploy is a plain install-all again.
    const next = await cli(['-C', offCase, 'deploy', '--dry-run'], runEnv);
    expect(next.stdout).toContain('--tags=install-all,ensure-matrix-users-created');
  }, 120_000);

  it('Ctrl-C mid-run stops ansible-playbook and its children and exits 130', async () => {
    const { child, waitFor } = startCli(['-C', bed.caseDir, 'deploy', '--stage', 'start'], {
      ...bed.env,
      MDAD_FIXTURE_SLEEP: '120',
    });
    await waitFor('Wait before starting');
    expect(ansibleProcesses(bed.caseDir).length).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 500)); // the sleep task is now running on the "server"
    const sent = Date.now();
    child.kill('SIGINT');
    const r = await child;
    expect(r.exitCode).toBe(130);
    expect(Date.now() - sent).toBeLessThan(15_000);
    expect(ansibleProcesses(bed.caseDir)).toEqual([]);
    // Nothing else of the run survives either (ssh masters live in our private control folder).
    expect(allCmdlines().filter((p) => p.cmdline.includes(join(bed.dir, 'tmp')))).toEqual([]);
    expect(readdirSync(join(bed.dir, 'tmp'))).toEqual([]);
    expect(r.stderr).toContain('error: interrupted: ansible-playbook was stopped during stage start');
    const last = journalLines().at(-1)!;
    expect(last).toMatchObject({ stage: 'start', result: 'interrupted' });
    const state = JSON.parse(readFileSync(join(bed.caseDir, 'state.json'), 'utf8'));
    expect(state.deploy.stages.start.status).toBe('interrupted');
  }, 90_000);
});
