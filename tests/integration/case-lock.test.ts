import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { ansibleProcesses, cli, startCli } from '../helpers/cli-process.js';
import { fixtureSuite } from '../helpers/fixture-suite.js';

// One command per case at a time, and what a killed one leaves behind (issue #9, items 6, 7):
// a second deploy or a teardown racing a deploy is refused with who holds the case; a dead
// holder's lock is taken over; after a SIGKILL, the orphaned ansible-playbook stops the next
// command, and the extra-vars file with the password (inside the case, 0700) is swept.
describe('case lock and leftovers', () => {
  const bed = fixtureSuite({
    name: 'lock',
    case: { users: [{ name: 'alice', admin: true }] },
    env: { MATRIX_OOB_KILL_GRACE_MS: '2000' },
    beforeStop: () => {
      for (const pid of ansibleProcesses(bed.caseDir)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // gone
        }
      }
    },
  });

  it('refuses a second deploy and a racing teardown, naming the holder; frees the case after', async () => {
    const first = startCli(['-C', bed.caseDir, 'deploy', '--stage', 'start'], {
      ...bed.env,
      MDAD_FIXTURE_SLEEP: '6',
    });
    await first.waitFor('Wait before starting');
    const lock = JSON.parse(readFileSync(join(bed.caseDir, '.lock'), 'utf8'));
    expect(lock).toMatchObject({ pid: first.child.pid, command: 'deploy --stage start' });
    const second = await cli(['-C', bed.caseDir, 'deploy', '--stage', 'start'], bed.env);
    expect(second.exitCode).toBe(2);
    expect(second.stderr).toContain(
      `error: another matrix-oob, pid ${first.child.pid}, running \`deploy --stage start\` since ${lock.since}, is working on this case`,
    );
    const teardown = await cli(['-C', bed.caseDir, 'teardown', '--confirm', 'example.test'], bed.env);
    expect(teardown.exitCode).toBe(2);
    expect(teardown.stderr).toContain(`another matrix-oob, pid ${first.child.pid}`);
    // Every command that changes the case waits its turn: user remove (edits matrix-oob.yml and
    // the credentials) and drill (stops a server, writes state.json) too.
    for (const args of [['user', 'remove', 'alice'], ['drill']]) {
      const other = await cli(['-C', bed.caseDir, ...args], bed.env);
      expect({ args, exit: other.exitCode }).toEqual({ args, exit: 2 });
      expect(other.stderr).toContain(`another matrix-oob, pid ${first.child.pid}`);
    }
    expect(existsSync(join(bed.caseDir, 'inventory', 'host_vars', 'matrix.example.test', 'vars.yml'))).toBe(
      true,
    );
    const r = await first.child;
    expect(r.exitCode).toBe(0);
    expect(existsSync(join(bed.caseDir, '.lock'))).toBe(false);
  });

  it("takes over a dead holder's lock", async () => {
    const dead = execa('true');
    await dead;
    writeFileSync(
      join(bed.caseDir, '.lock'),
      JSON.stringify({
        pid: dead.pid,
        command: 'deploy',
        since: '2026-01-01T00:00:00.000Z',
        host: execFileSync('hostname', { encoding: 'utf8' }).trim(),
      }),
    );
    const r = await cli(['-C', bed.caseDir, 'deploy', '--stage', 'start'], bed.env);
    expect(r.exitCode).toBe(0);
    expect(existsSync(join(bed.caseDir, '.lock'))).toBe(false);
  });

  it('after a SIGKILL: the orphaned ansible-playbook stops the next command; the password file is swept', async () => {
    const pw = join(bed.dir, 'pw.txt');
    writeFileSync(pw, 'Orphan-Password-123456\n', { mode: 0o600 });
    const started = startCli(['-C', bed.caseDir, 'user', 'add', 'bob', '--password-file', pw], {
      ...bed.env,
      MDAD_FIXTURE_SLEEP: '8',
    });
    const run = started.child;
    await started.waitFor('Wait before starting');
    const tmpDir = join(bed.caseDir, '.tmp');
    expect(readdirSync(tmpDir).filter((n) => n.startsWith(`matrix-oob-vars-${run.pid}-`))).toHaveLength(1);
    expect(readdirSync(tmpDir).map((n) => statMode(join(tmpDir, n)))).toEqual([0o700]);
    run.kill('SIGKILL'); // matrix-oob only: ansible-playbook, in its own process group, runs on
    await run;
    const orphans = ansibleProcesses(bed.caseDir);
    expect(orphans.length).toBeGreaterThan(0);

    // Any command that opens the case (here a dry run, which takes no lock) sweeps the file.
    const look = await cli(['-C', bed.caseDir, 'teardown', '--dry-run', '--local-only'], bed.env);
    expect(look.exitCode).toBe(0);
    expect(readdirSync(tmpDir)).toEqual([]);
    const next = await cli(['-C', bed.caseDir, 'deploy', '--stage', 'start'], bed.env);
    expect(next.exitCode).toBe(2);
    expect(next.stderr).toContain('ansible-playbook is still running on this case (pid');
    expect(next.stderr).toContain(orphans[0]!);
    expect(existsSync(join(bed.caseDir, '.lock'))).toBe(false);

    while (ansibleProcesses(bed.caseDir).length > 0) await new Promise((r) => setTimeout(r, 200));
    const after = await cli(['-C', bed.caseDir, 'deploy', '--stage', 'start'], bed.env);
    expect(after.exitCode).toBe(0);
  });
});

function statMode(p: string): number {
  return statSync(p).mode & 0o777;
}
