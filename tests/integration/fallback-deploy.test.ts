import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FALLBACK_HOST, MAIN_HOST } from '../helpers/case.js';
import { cli } from '../helpers/cli-process.js';
import { fixtureSuite } from '../helpers/fixture-suite.js';

// Two servers in one case: the built CLI, a real ansible-playbook on the fixture playbook, two
// real sshd instances on loopback (two inventory hosts, each with its pinned host key).
describe('deploy with a fallback server', () => {
  const data = (host: string, file: string) => join(bed.dir, 'data', host, file);
  const logs = () =>
    existsSync(join(bed.caseDir, 'logs')) ? readdirSync(join(bed.caseDir, 'logs')).sort() : [];

  const bed = fixtureSuite({ name: 'fallback', fallback: true, case: {} });

  it('a failure on one server names it; the resume runs that stage on it only, then the rest on both', async () => {
    const failed = await cli(['-C', bed.caseDir, 'deploy'], {
      ...bed.env,
      MDAD_FIXTURE_FAIL: 'install-all',
      MDAD_FIXTURE_FAIL_HOST: FALLBACK_HOST,
    });
    expect(failed.exitCode).toBe(1);
    expect(failed.stderr).toContain(`error: stage setup failed on ${FALLBACK_HOST}`);
    expect(failed.stderr).toContain(`stage setup runs again on ${FALLBACK_HOST} only`);
    // Ansible's own host names attribute each line to its server.
    expect(failed.all).toMatch(new RegExp(`fatal: \\[${FALLBACK_HOST.replace(/\./g, '\\.')}\\]`));
    expect(failed.all).toMatch(new RegExp(`ok: \\[${MAIN_HOST.replace(/\./g, '\\.')}\\]`));
    // One ansible-playbook for the stage, both servers in it; the main one finished it.
    expect(logs()).toHaveLength(1);
    expect(existsSync(data(MAIN_HOST, 'users-ensured'))).toBe(true);
    expect(existsSync(data(FALLBACK_HOST, 'users-ensured'))).toBe(false);
    const mainInstalled = statSync(data(MAIN_HOST, 'installed')).mtimeMs;
    const state = JSON.parse(readFileSync(join(bed.caseDir, 'state.json'), 'utf8'));
    expect(state.deploy.stages.setup).toMatchObject({
      status: 'failed',
      failed_hosts: [FALLBACK_HOST],
      hosts: 2,
    });

    const resumed = await cli(['-C', bed.caseDir, 'deploy'], bed.env);
    expect(resumed.exitCode).toBe(0);
    expect(resumed.stderr).toContain(`stage setup: resuming on ${FALLBACK_HOST} only`);
    const [, setupLog, startLog] = logs();
    expect(logs()).toHaveLength(3); // one run per stage: setup (limited), start (both)
    const setupText = readFileSync(join(bed.caseDir, 'logs', setupLog!), 'utf8');
    expect(setupText).toContain(`--limit ${FALLBACK_HOST}`);
    expect(setupText).not.toContain(`ok: [${MAIN_HOST}]`);
    const startText = readFileSync(join(bed.caseDir, 'logs', startLog!), 'utf8');
    expect(startText).toMatch(new RegExp(`^${MAIN_HOST.replace(/\./g, '\\.')}\\s+: ok=`, 'm'));
    expect(startText).toMatch(new RegExp(`^${FALLBACK_HOST.replace(/\./g, '\\.')}\\s+: ok=`, 'm'));
    expect(statSync(data(MAIN_HOST, 'installed')).mtimeMs).toBe(mainInstalled);
    for (const host of [MAIN_HOST, FALLBACK_HOST]) {
      expect(existsSync(data(host, 'users-ensured'))).toBe(true);
      expect(existsSync(data(host, 'started'))).toBe(true);
    }
    // The next deploy is a new run on every server, one ansible-playbook per stage.
    const again = await cli(['-C', bed.caseDir, 'deploy'], bed.env);
    expect(again.exitCode).toBe(0);
    expect(logs()).toHaveLength(5);
    expect(readFileSync(join(bed.caseDir, 'logs', logs()[3]!), 'utf8')).not.toContain('--limit');
  }, 240_000);

  it('user add registers the person on every server in one run; one credentials file lists every account', async () => {
    const before = logs().length;
    const r = await cli(['-C', bed.caseDir, 'user', 'add', 'analyst1'], bed.env);
    expect(r.exitCode).toBe(0);
    expect(logs()).toHaveLength(before + 1);
    const onMain = JSON.parse(readFileSync(data(MAIN_HOST, 'users/analyst1.json'), 'utf8'));
    const onFallback = JSON.parse(readFileSync(data(FALLBACK_HOST, 'users/analyst1.json'), 'utf8'));
    expect(onFallback).toEqual(onMain);
    const creds = readFileSync(join(bed.caseDir, 'credentials', 'analyst1.txt'), 'utf8');
    expect(creds).toContain('user_id: @analyst1:example.test');
    expect(creds).toContain('fallback_account: @analyst1:fallback.test https://matrix.fallback.test');
    expect(Buffer.from(onMain.password_b64, 'base64').toString()).toBe(/^password: (.*)$/m.exec(creds)![1]);
  }, 120_000);
});
