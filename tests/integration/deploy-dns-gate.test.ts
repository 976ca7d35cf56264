import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeCase } from '../helpers/case.js';
import { cli } from '../helpers/cli-process.js';
import { fixtureSuite } from '../helpers/fixture-suite.js';

// deploy's DNS gate with the built CLI against DNS servers on 127.53.8.0/24 (this suite only):
// ready.test points at the server, wrong.test at another address. The checkout lacks the
// install-all tag, so no stage ever runs: what runs after the gate is only `--list-tags`.
describe('deploy: DNS gate', () => {
  let ready: string;
  let wrong: string;

  const bed = fixtureSuite({
    name: 'dns-gate',
    dns: {
      prefix: '127.53.8',
      zones: [{ domain: 'ready.test' }, { domain: 'wrong.test', ip: '192.0.2.99' }],
    },
    editCheckout: (checkout) => {
      const tasks = join(checkout, 'roles/custom/fixture_server/tasks/main.yml');
      writeFileSync(tasks, readFileSync(tasks, 'utf8').replace(/install-all, /g, ''));
    },
  });

  beforeAll(() => {
    ready = writeCase(join(bed.dir, 'ready'), bed.sshd, bed.checkout, { domain: 'ready.test' });
    wrong = writeCase(join(bed.dir, 'wrong'), bed.sshd, bed.checkout, { domain: 'wrong.test' });
  });

  const journal = (c: string) =>
    readFileSync(join(c, 'journal.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const logs = (c: string) => (existsSync(join(c, 'logs')) ? readdirSync(join(c, 'logs')) : []);

  it('refuses to start when a record is wrong: exit 3, the report on stderr, nothing run', async () => {
    const r = await cli(['-C', wrong, 'deploy'], bed.env);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(/matrix\.wrong\.test\s+A\s+.*WRONG/);
    expect(r.stderr).toContain('NOT READY');
    expect(r.stderr).toContain('error: DNS is not ready: deploy did not start, nothing was run');
    expect(r.stderr).toContain('matrix-oob dns check --wait');
    expect(r.stderr).toContain('--skip-dns-check');
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toContain('ansible-playbook');
    expect(logs(wrong)).toEqual([]);
    expect(existsSync(join(wrong, 'state.json'))).toBe(false);
    expect(journal(wrong).at(-1)).toMatchObject({
      command: 'deploy',
      stage: 'dns-gate',
      result: 'failed',
      exit_code: 3,
    });
  });

  it('--dry-run does not check DNS', async () => {
    // (--stage start: the one stage this checkout has a tag for)
    const r = await cli(['-C', wrong, 'deploy', '--dry-run', '--stage', 'start'], bed.env);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).not.toContain('DNS');
    expect(r.stdout).toContain('# stage start');
  });

  it('--skip-dns-check (or MATRIX_OOB_SKIP_DNS_CHECK=1) bypasses the gate with a warning', async () => {
    for (const [args, extra] of [
      [['--skip-dns-check'], {}],
      [[], { MATRIX_OOB_SKIP_DNS_CHECK: '1' }],
    ] as const) {
      const r = await cli(['-C', wrong, 'deploy', ...args], { ...bed.env, ...extra });
      // Past the gate: the next check (the missing tag) is what stops it.
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain('warning: DNS check skipped');
      expect(r.stderr).not.toContain('NOT READY');
      expect(r.stderr).toContain('has no tag "install-all"');
    }
    expect(journal(wrong).at(-1)).toMatchObject({ command: 'deploy', stage: 'dns-gate', result: 'skipped' });
    // "0" is not a yes.
    const r = await cli(['-C', wrong, 'deploy'], { ...bed.env, MATRIX_OOB_SKIP_DNS_CHECK: '0' });
    expect(r.exitCode).toBe(3);
  });

  it('lets deploy go on when every record is right, before any Ansible work', async () => {
    const r = await cli(['-C', ready, 'deploy'], bed.env);
    expect(r.stderr).toContain('DNS: READY: every required record is right');
    expect(r.stderr.indexOf('DNS: READY')).toBeLessThan(r.stderr.indexOf('has no tag "install-all"'));
    expect(r.exitCode).toBe(2);
    expect(journal(ready).find((e) => e.stage === 'dns-gate')).toMatchObject({ result: 'ok' });
  });
});
