import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { caseSecrets, writeCase } from '../helpers/case.js';
import { ansibleProcesses, cli, startCli } from '../helpers/cli-process.js';
import { fixtureSuite } from '../helpers/fixture-suite.js';
import { makeFixtureCheckout } from '../helpers/mdad-fixture.js';
import { freePort } from '../helpers/sshd.js';

// `matrix-oob teardown` end to end: the built CLI, a real ansible-playbook running the shipped
// playbooks/teardown.yml (and the fixture's --tags=stop), a real sshd on loopback.
describe('teardown', () => {
  // A deployed case whose server data folder is <dir>/data (matrix_base_data_path).
  let deployed: string;
  let secrets: string[];

  const files = (caseDir: string) => ({
    vars: join(caseDir, 'inventory', 'host_vars', 'matrix.example.test', 'vars.yml'),
    credentials: join(caseDir, 'credentials'),
    room: join(caseDir, 'control-room.json'),
    tmp: join(caseDir, '.matrix-oob-tmp-1-abc'),
    journal: join(caseDir, 'journal.jsonl'),
    state: join(caseDir, 'state.json'),
  });
  /** Add the local leftovers teardown must remove, as earlier commands would leave them. */
  const addLocalSecrets = (caseDir: string) => {
    mkdirSync(join(caseDir, 'credentials'), { recursive: true, mode: 0o700 });
    writeFileSync(
      join(caseDir, 'credentials', 'alice.txt'),
      'user: @alice:example.test\npassword: Pw-alice-123456\n',
    );
    writeFileSync(join(caseDir, 'credentials', 'bob.pending'), 'password: Pw-bob-pending-987\n');
    writeFileSync(join(caseDir, 'control-room.json'), '{"room_id":"!x:example.test"}\n');
    writeFileSync(join(caseDir, '.matrix-oob-tmp-1-abc'), 'half a write\n');
  };
  const withBase = (caseDir: string, base: string, domain = 'example.test') =>
    appendFileSync(
      join(caseDir, 'inventory', 'host_vars', `matrix.${domain}`, 'vars.yml'),
      `\nmatrix_base_data_path: ${base}\n`,
    );

  // No DNS here (deploy's DNS gate is covered in its own tests).
  const bed = fixtureSuite({
    name: 'teardown',
    // The fixture's "wait" task (MDAD_FIXTURE_SLEEP, unset: no wait) also runs for --tags=stop,
    // so that a Ctrl-C can land while the stop stage runs.
    editCheckout: (checkout) => {
      const tasks = join(checkout, 'roles/custom/fixture_server/tasks/main.yml');
      writeFileSync(
        tasks,
        readFileSync(tasks, 'utf8').replace(
          'tags: [start, restart, register-user]',
          'tags: [start, restart, register-user, stop]',
        ),
      );
    },
    case: {},
    env: { CI: undefined },
  });

  beforeAll(async () => {
    deployed = bed.caseDir;
    withBase(deployed, bed.data);
    const r = await cli(['-C', deployed, 'deploy'], bed.env);
    expect(r.exitCode).toBe(0);
    addLocalSecrets(deployed);
    secrets = [...caseSecrets(deployed), 'Pw-alice-123456', 'Pw-bob-pending-987'];
    expect(existsSync(join(bed.data, 'bin', 'remove-all'))).toBe(true);
    expect(existsSync(join(bed.data, 'started'))).toBe(true);
  }, 120_000);

  const snapshot = (caseDir: string) => {
    const f = files(caseDir);
    return {
      vars: readFileSync(f.vars, 'utf8'),
      credentials: readdirSync(f.credentials).sort(),
      room: existsSync(f.room),
      tmp: existsSync(f.tmp),
      data: existsSync(bed.data) ? readdirSync(bed.data).sort() : [],
    };
  };

  it('refuses without --confirm when it cannot ask (exit 2), and on a wrong domain; nothing removed', async () => {
    const before = snapshot(deployed);
    const none = await cli(['-C', deployed, 'teardown'], bed.env);
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toContain('error: teardown needs the domain name typed out, and cannot ask');
    expect(none.stderr).toContain('hint: pass --confirm example.test');
    // The plan is shown first: what goes and what stays.
    expect(none.stderr).toContain(
      `the data folder ${bed.data}: all messages, media, encryption keys and the database`,
    );
    expect(none.stderr).toContain('inventory/host_vars/matrix.example.test/vars.yml: the server secrets');
    expect(none.stderr).toContain('credentials: user passwords handed out');
    expect(none.stderr).toContain('.matrix-oob-tmp-1-abc');
    expect(none.stderr).toContain('journal.jsonl: the journal');
    expect(none.stderr).toContain('Federated rooms');

    const yes = await cli(['-C', deployed, '--yes', 'teardown'], bed.env);
    expect(yes.exitCode).toBe(2);
    expect(yes.stderr).toContain('cannot ask (--yes was given)');

    const wrong = await cli(['-C', deployed, 'teardown', '--confirm', 'example.org'], bed.env);
    expect(wrong.exitCode).toBe(2);
    const errors = wrong.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(errors).toEqual([
      'error: the confirmation does not match the domain example.test: teardown aborted, nothing was removed',
    ]);
    expect(snapshot(deployed)).toEqual(before);
    expect(existsSync(join(bed.data, 'started'))).toBe(true);
    expect(readdirSync(join(deployed, 'logs')).filter((l) => l.includes('teardown'))).toEqual([]);
  });

  it('--dry-run shows the commands and the files, and changes nothing', async () => {
    const before = snapshot(deployed);
    const r = await cli(['-C', deployed, 'teardown', '--dry-run'], bed.env);
    expect(r.exitCode).toBe(0);
    const hosts = join(deployed, 'inventory', 'hosts');
    expect(r.stdout).toContain(`ansible-playbook -i ${hosts} setup.yml --tags=stop`);
    expect(r.stdout).toMatch(new RegExp(`ansible-playbook -i ${hosts} \\S+/playbooks/teardown\\.yml`));
    expect(r.stdout).toContain(`rm -rf ${files(deployed).vars}`);
    expect(r.stdout).toContain(`rm -rf ${join(deployed, 'credentials')}`);
    expect(snapshot(deployed)).toEqual(before);
  });

  it('an unreachable server: exit 1, local secrets kept, --local-only offered; --local-only then works', async () => {
    const gone = join(bed.dir, 'gone-case');
    writeCase(gone, { ...bed.sshd, port: await freePort() }, bed.checkout, { domain: 'gone.test' });
    addLocalSecrets(gone);
    const vars = join(gone, 'inventory', 'host_vars', 'matrix.gone.test', 'vars.yml');
    const r = await cli(['-C', gone, 'teardown', '--confirm', 'gone.test'], bed.env);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("error: removing the server's data failed: nothing was removed locally");
    expect(r.stderr).toContain('teardown --local-only');
    expect(r.stderr).toContain('warning: stopping the services failed');
    const goneSecrets = [...caseSecrets(gone, 'gone.test'), 'Pw-alice-123456', 'Pw-bob-pending-987'];
    expect(goneSecrets).toHaveLength(4);
    for (const s of goneSecrets) {
      expect(r.all).not.toContain(s);
      expect(readFileSync(join(gone, 'journal.jsonl'), 'utf8')).not.toContain(s);
    }
    expect(existsSync(vars)).toBe(true);
    expect(readdirSync(join(gone, 'credentials')).sort()).toEqual(['alice.txt', 'bob.pending']);
    expect(existsSync(join(gone, 'control-room.json'))).toBe(true);
    expect(existsSync(join(gone, 'state.json'))).toBe(false);

    const local = await cli(
      ['--json', '-C', gone, 'teardown', '--local-only', '--confirm', 'GONE.test'],
      bed.env,
    );
    expect(local.exitCode).toBe(0);
    const summary = JSON.parse(local.stdout);
    expect(summary).toMatchObject({ ok: true, server: 'skipped', stop: 'skipped' });
    expect(existsSync(vars)).toBe(false);
    expect(existsSync(join(gone, 'credentials'))).toBe(false);
    expect(existsSync(join(gone, 'control-room.json'))).toBe(false);
    expect(existsSync(join(gone, '.matrix-oob-tmp-1-abc'))).toBe(false);
    const state = JSON.parse(readFileSync(join(gone, 'state.json'), 'utf8'));
    expect(state.teardown).toMatchObject({ server: 'skipped', local: 'removed' });
    expect(local.stderr).not.toContain('TASK ['); // no Ansible run
  }, 60_000);

  it('a half-deployed case (never deployed, no checkout any more): the fallback removes the data folder', async () => {
    const half = join(bed.dir, 'half-case');
    const ownCheckout = makeFixtureCheckout(join(bed.dir, 'half-mdad'), { roles: false });
    writeCase(half, bed.sshd, ownCheckout, { domain: 'half.test' });
    rmSync(ownCheckout, { recursive: true, force: true });
    const halfData = join(bed.dir, 'half-data');
    mkdirSync(join(halfData, 'postgres'), { recursive: true });
    writeFileSync(join(halfData, 'postgres', 'db'), 'rows\n');
    withBase(half, halfData, 'half.test');
    const r = await cli(['-C', half, 'teardown', '--confirm', 'half.test'], bed.env);
    expect(r.stderr).toContain('note: this case was never deployed');
    expect(r.stderr).toContain(
      `stop the services: skipped (no playbook checkout: ${ownCheckout} has no setup.yml)`,
    );
    expect(r.exitCode).toBe(0);
    expect(existsSync(halfData)).toBe(false);
    expect(existsSync(join(half, 'inventory', 'host_vars', 'matrix.half.test', 'vars.yml'))).toBe(false);
    expect(JSON.parse(readFileSync(join(half, 'state.json'), 'utf8')).teardown.server).toBe('removed');
  }, 60_000);

  it('Ctrl-C during the stop stage: forwarded to ansible-playbook, exit 130, nothing removed', async () => {
    const sig = writeCase(join(bed.dir, 'sig-case'), bed.sshd, bed.checkout, { domain: 'sig.test' });
    const sigData = join(bed.dir, 'sig-data');
    mkdirSync(join(sigData, 'bin'), { recursive: true });
    withBase(sig, sigData, 'sig.test');
    addLocalSecrets(sig);
    const { child, waitFor } = startCli(['-C', sig, 'teardown', '--confirm', 'sig.test'], {
      ...bed.env,
      MDAD_FIXTURE_DATA: sigData,
      MDAD_FIXTURE_SLEEP: '120',
      MATRIX_OOB_KILL_GRACE_MS: '3000',
    });
    await waitFor('Wait before starting');
    await new Promise((r) => setTimeout(r, 500)); // the sleep task now runs on the "server"
    const sent = Date.now();
    child.kill('SIGINT');
    const r = await child;
    expect(r.exitCode).toBe(130);
    expect(Date.now() - sent).toBeLessThan(15_000);
    expect(ansibleProcesses(sig)).toEqual([]);
    expect(r.stderr).toContain('error: interrupted while stopping the services; nothing was removed');
    expect(existsSync(sigData)).toBe(true);
    expect(existsSync(join(sig, 'inventory', 'host_vars', 'matrix.sig.test', 'vars.yml'))).toBe(true);
    expect(readdirSync(join(sig, 'credentials')).sort()).toEqual(['alice.txt', 'bob.pending']);
    expect(existsSync(join(sig, 'state.json'))).toBe(false);
    const last = readFileSync(join(sig, 'journal.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .at(-1);
    expect(last).toMatchObject({ command: 'teardown', stage: 'stop', result: 'interrupted' });
  }, 90_000);

  it('tears down a deployed case: server data gone, local secrets gone, the case record kept', async () => {
    const f = files(deployed);
    const stateBefore = JSON.parse(readFileSync(f.state, 'utf8'));
    const r = await cli(['--json', '-C', deployed, 'teardown', '--confirm', 'example.test'], bed.env);
    expect(r.stderr).toContain('TASK [Run remove-all with its exact confirmation line]');
    expect(r.exitCode).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({
      ok: true,
      domain: 'example.test',
      server: 'removed',
      stop: 'ok',
      data_folder: bed.data,
    });
    expect(summary.removed.sort()).toEqual(
      [
        '.matrix-oob-tmp-1-abc',
        // The case's temporary folder for secret files (emptied by the setup run that used it).
        '.tmp',
        'control-room.json',
        'credentials',
        'inventory/host_vars/matrix.example.test/vars.yml',
      ].sort(),
    );
    // The server: the fixture's remove-all deleted the data folder, after the stop stage.
    expect(existsSync(bed.data)).toBe(false);
    // Local: secrets gone (and their emptied folder), the case record kept.
    expect(existsSync(f.vars)).toBe(false);
    expect(existsSync(join(deployed, 'inventory', 'host_vars'))).toBe(false);
    expect(existsSync(f.credentials)).toBe(false);
    expect(existsSync(f.room)).toBe(false);
    expect(existsSync(f.tmp)).toBe(false);
    for (const kept of ['journal.jsonl', 'matrix-oob.yml', 'inventory/hosts', 'known_hosts', 'state.json']) {
      expect(existsSync(join(deployed, kept))).toBe(true);
    }
    const logs = readdirSync(join(deployed, 'logs'));
    expect(logs.filter((l) => l.endsWith('-setup.log'))).toHaveLength(1);
    expect(logs.filter((l) => l.endsWith('-teardown-stop.log'))).toHaveLength(1);
    expect(logs.filter((l) => l.endsWith('-teardown.log'))).toHaveLength(1);
    const state = JSON.parse(readFileSync(f.state, 'utf8'));
    expect(state.deploy).toEqual(stateBefore.deploy);
    expect(state.teardown).toMatchObject({ server: 'removed', local: 'removed' });
    const journal = readFileSync(f.journal, 'utf8');
    const steps = journal
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((e) => e.command === 'teardown')
      .map((e) => [e.stage, e.result]);
    expect(steps).toEqual([
      ['stop', 'ok'],
      ['remove', 'ok'],
      ['local', 'ok'],
      ['teardown', 'ok'],
    ]);
    // No secret anywhere: output, journal, logs.
    const logText = logs.map((l) => readFileSync(join(deployed, 'logs', l), 'utf8')).join('\n');
    for (const s of secrets) {
      expect(r.stdout + r.stderr).not.toContain(s);
      expect(journal).not.toContain(s);
      expect(logText).not.toContain(s);
    }

    // Again: says so, exits 0, touches nothing.
    const again = await cli(['-C', deployed, 'teardown', '--confirm', 'example.test'], bed.env);
    expect(again.exitCode).toBe(0);
    expect(again.stderr).toContain('the case example.test was already torn down at');
    expect(readFileSync(f.journal, 'utf8')).toBe(journal);
    expect(readdirSync(join(deployed, 'logs'))).toEqual(logs);
    // The playbook commands refuse a torn-down case with a clear line.
    const deploy = await cli(['-C', deployed, 'deploy'], bed.env);
    expect(deploy.exitCode).toBe(2);
    expect(deploy.stderr).toContain('error: this case was torn down at');
  }, 90_000);
});
