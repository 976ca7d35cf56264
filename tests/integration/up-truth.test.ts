import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeConfigFile } from '../helpers/case.js';
import { runCli } from '../helpers/cli.js';
import { closedPort } from '../helpers/fake-deployment.js';
import { fixtureSuite } from '../helpers/fixture-suite.js';

// Issue #10 for `up`: a failure names the exact command that resumes (item 1); the card says
// whether the server answers from outside, with its own exit code (item 3). The built CLI, the
// fixture playbook, a real sshd on loopback; DNS skipped (its own suites).
const cli = (args: string[], env: NodeJS.ProcessEnv, cwd?: string) =>
  runCli(args, { env, extendEnv: false, ...(cwd ? { cwd } : {}) });

describe('up: resume command and an honest card', () => {
  const configFile = (domain: string, extra: string[] = []) =>
    writeConfigFile(join(bed.dir, `${domain}.yml`), domain, bed.sshd, [
      `playbook:\n  path: ${bed.checkout}`,
      ...extra,
    ]);

  const bed = fixtureSuite({
    name: 'up-truth',
    collections: true,
    dnsCheck: true,
    env: { MATRIX_OOB_CASE: undefined, CI: undefined },
  });

  it('1: the hint names the case folder and the flags; run from anywhere, it resumes that case', async () => {
    const work = join(bed.dir, 'work');
    mkdirSync(work);
    const kase = join(work, 'matrix-oob-resume.test');
    const args = ['--json', 'up', '--config', configFile('resume.test'), '--yes'];
    const flags = [
      '--fingerprint',
      bed.sshd.hostFingerprint,
      '--skip-dns-check',
      '--skip-hook',
      '10-server-preflight',
    ];
    // No community.docker: doctor fails (step 5).
    const failEnv = { ...bed.env, ANSIBLE_COLLECTIONS_PATH: join(bed.dir, 'nowhere') };
    const r = await cli([...args, ...flags], failEnv, work);
    expect(r.exitCode).toBe(1);
    const next = `matrix-oob up --case ${kase} --yes --json --fingerprint ${bed.sshd.hostFingerprint} --skip-dns-check --skip-hook 10-server-preflight`;
    expect(r.stderr).toContain(
      'up stopped at step doctor (5/12); the "next:" command resumes it (finished steps are skipped)',
    );
    expect(r.stderr.endsWith(`\nnext: ${next}`)).toBe(true);
    expect(r.stderr).not.toContain('run "matrix-oob up" again');
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ ok: false, exit_code: 1, stopped_at: 'doctor', case_dir: kase, next });
    // No collections: community.docker and community.general both fail.
    expect(doc.error).toContain('doctor found 2 problems');

    // The command as printed, from another folder: the same case, not a new wizard or "no case".
    const again = await cli(next.split(' ').slice(1), failEnv, bed.dir);
    expect(again.stderr).toContain(`(init): the case in ${kase} has its inventory, skipping`);
    expect(again.stderr).toContain('up stopped at step doctor (5/12)');
    expect(again.exitCode).toBe(1);
  }, 120_000);

  it('3: every check from outside failed: "NOT reachable", exit 4, no hand-out advice first', async () => {
    const kase = join(bed.dir, 'unreachable');
    const closed = await closedPort();
    const to = (name: string, port: number) => `${name}:${port}:127.0.0.1:${closed}`;
    const r = await cli(
      [
        '-C',
        kase,
        '--json',
        'up',
        '--config',
        configFile('unreach.test', ['users:', '  - name: lead', '    admin: true']),
        '--yes',
        '--fingerprint',
        bed.sshd.hostFingerprint,
        '--skip-dns-check',
        '--skip-hook',
        '10-server-preflight',
      ],
      {
        ...bed.env,
        // verify (the shipped post-start hook) and the control room reach a closed port.
        MATRIX_OOB_CONNECT_TO: [
          to('matrix.unreach.test', 443),
          to('matrix.unreach.test', 8448),
          to('unreach.test', 443),
          to('element.unreach.test', 443),
        ].join(' '),
        MATRIX_OOB_CONTROL_ROOM_URL: `http://127.0.0.1:${closed}`,
      },
    );
    expect(r.stderr).toContain('warning: post-start hook 10-verify failed');
    expect(r.exitCode).toBe(4);
    const card = r.stderr.slice(r.stderr.lastIndexOf('Matrix for unreach.test'));
    expect(card).toMatch(/^Matrix for unreach\.test is deployed, but NOT reachable from outside/);
    expect(r.stderr).not.toContain('Matrix for unreach.test is up');
    // An admin exists and is registered: the room is missing because its hook failed.
    expect(card).toContain('not created: the 10-control-room hook failed');
    expect(card).not.toContain('it needs an admin user');
    expect(card).toMatch(/1\. Fix what the check from outside reported/);
    expect(card).not.toMatch(/1\. Hand each credentials file/);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({
      ok: false,
      exit_code: 4,
      next: `matrix-oob verify --case ${kase}`,
      summary: { verified: 'failed', control_room: null },
    });
    const journal = readFileSync(join(kase, 'journal.jsonl'), 'utf8').trim().split('\n');
    expect(JSON.parse(journal.at(-1)!)).toMatchObject({
      command: 'up',
      result: 'failed',
      exit_code: 4,
      verified: 'failed',
    });
  }, 240_000);
});
