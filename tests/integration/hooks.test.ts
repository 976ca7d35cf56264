import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FailureError } from '../../src/errors.js';
import { discoverHooks } from '../../src/hooks/discover.js';
import { type HookContext, runHooks } from '../../src/hooks/run.js';
import { caseSecrets, writeCase } from '../helpers/case.js';
import { fixtureSuite } from '../helpers/fixture-suite.js';
import { hookContext } from '../helpers/hook-context.js';

// Hooks run for real: executables as child processes, playbooks through ansible-playbook
// against the test sshd with the case's inventory and pinned host key.
describe('runHooks', () => {
  let caseDir: string;
  let shipped: string;
  let record: string;

  const script = (path: string, body: string) => {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, `#!/bin/sh\n${body}\n`);
    chmodSync(path, 0o755);
  };

  const bed = fixtureSuite({ name: 'hooks' });

  beforeAll(async () => {
    // A path with a space and a % sign: ssh options must quote it (and double the %).
    caseDir = writeCase(join(bed.dir, 'case 100%'), bed.sshd, bed.checkout, {
      users: [{ name: 'lead1', admin: true }, { name: 'ana' }],
    });
    shipped = join(bed.dir, 'shipped');
    record = join(bed.dir, 'order.txt');
    // Shipped and case hooks interleave by name.
    script(join(shipped, 'post-start', '20-shipped'), `echo "20-shipped $MATRIX_OOB_EVENT" >> ${record}`);
    script(
      join(caseDir, 'hooks', 'post-start', '10-case'),
      `echo "10-case" >> ${record}; echo hello from a hook`,
    );
    script(
      join(caseDir, 'hooks', 'post-start', '30-env'),
      `env | grep '^MATRIX_OOB' | sort > ${join(bed.dir, 'env.txt')}`,
    );
    writeFileSync(join(caseDir, 'hooks', 'post-start', '40-not-executable'), 'echo never');
    writeFileSync(join(caseDir, 'hooks', 'post-start', 'README.md'), 'notes');
    // A failing post hook is reported and the next one still runs.
    script(join(caseDir, 'hooks', 'post-users', '10-fails'), `echo "post failed" >&2; exit 3`);
    script(join(caseDir, 'hooks', 'post-users', '20-after'), `echo "20-after" >> ${record}`);
    // A failing pre hook stops the flow.
    script(join(caseDir, 'hooks', 'pre-setup', '10-fails'), 'exit 1');
    script(join(caseDir, 'hooks', 'pre-setup', '20-never'), `echo "20-never" >> ${record}`);
    // An Ansible playbook hook, run against the server with the case inventory.
    mkdirSync(join(caseDir, 'hooks', 'post-setup'), { recursive: true });
    writeFileSync(
      join(caseDir, 'hooks', 'post-setup', '10-mark.yml'),
      [
        '- hosts: matrix_servers',
        '  gather_facts: false',
        '  tasks:',
        '    - ansible.builtin.copy:',
        `        dest: ${join(bed.dir, 'marker')}`,
        '        content: "{{ matrix_domain }} {{ inventory_hostname }}\\n"',
        '',
      ].join('\n'),
    );
  });

  const context = (extra: Partial<HookContext> = {}) =>
    hookContext(caseDir, {
      shippedDir: shipped,
      env: { ...process.env, ANSIBLE_PRIVATE_KEY_FILE: bed.sshd.clientKey },
      ...extra,
    });
  const journalLines = () =>
    readFileSync(join(caseDir, 'journal.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((e) => e.command === 'test');

  it('runs shipped and case hooks in name order, streams their output and ignores non-hooks', async () => {
    writeFileSync(record, '');
    const { ctx, out, terminal } = await context();
    const summary = await runHooks('post-start', ctx);
    expect(summary.outcomes.map((o) => [o.hook.name, o.hook.origin, o.ok])).toEqual([
      ['10-case', 'case', true],
      ['20-shipped', 'shipped', true],
      ['30-env', 'case', true],
    ]);
    expect(readFileSync(record, 'utf8')).toBe('10-case\n20-shipped post-start\n');
    expect(terminal.text()).toContain('[10-case] hello from a hook\n');
    expect(out.stderr.join('\n')).toMatch(/warning: hook .*40-not-executable is ignored: not executable/);
    const logs = summary.outcomes.map((o) => readFileSync(o.logFile, 'utf8'));
    expect(logs[0]).toContain('hello from a hook');
  });

  it('gives executables the case facts and no secret', async () => {
    const env = readFileSync(join(bed.dir, 'env.txt'), 'utf8');
    expect(env).toContain('MATRIX_OOB_DOMAIN=example.test\n');
    expect(env).toContain('MATRIX_OOB_SERVER_NAME=matrix.example.test\n');
    expect(env).toContain(`MATRIX_OOB_CASE_DIR=${caseDir}\n`);
    expect(env).toContain(`MATRIX_OOB_SSH_PORT=${bed.sshd.port}\n`);
    expect(env).toContain('MATRIX_OOB_USERS=lead1 ana\n');
    expect(env).toContain('MATRIX_OOB_ADMINS=lead1\n');
    expect(env).toContain('MATRIX_OOB_HOMESERVER_URL=https://matrix.example.test\n');
    expect(env).toMatch(/^MATRIX_OOB=.*bin\/matrix-oob\.js$/m);
    for (const secret of caseSecrets(caseDir)) expect(env).not.toContain(secret);
  });

  it('reports a failing post hook, goes on, and journals every run', async () => {
    writeFileSync(record, '');
    const { ctx, out } = await context();
    const summary = await runHooks('post-users', ctx);
    expect(summary.failed.map((o) => [o.hook.name, o.exitCode])).toEqual([['10-fails', 3]]);
    expect(readFileSync(record, 'utf8')).toBe('20-after\n');
    expect(out.stderr.join('\n')).toContain('warning: post-users hook 10-fails failed (exit 3); going on.');
    expect(journalLines().slice(-2)).toEqual([
      expect.objectContaining({ stage: 'hook post-users', hook: '10-fails', result: 'failed', exit_code: 3 }),
      expect.objectContaining({ stage: 'hook post-users', hook: '20-after', result: 'ok', exit_code: 0 }),
    ]);
  });

  it('stops at a failing pre hook', async () => {
    writeFileSync(record, '');
    const { ctx } = await context();
    const err = await runHooks('pre-setup', ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FailureError);
    expect((err as FailureError).message).toBe(
      'pre-setup hook 10-fails failed (exit 1): stopping before the next step',
    );
    expect((err as FailureError).hint).toContain('--skip-hook 10-fails');
    expect(readFileSync(record, 'utf8')).toBe('');
  });

  it('skips hooks named with --skip-hook', async () => {
    writeFileSync(record, '');
    const { ctx } = await context({ skip: ['10-fails'] });
    const summary = await runHooks('pre-setup', ctx);
    expect(summary.outcomes.map((o) => o.hook.name)).toEqual(['20-never']);
    expect(readFileSync(record, 'utf8')).toBe('20-never\n');
  });

  it('runs an Ansible playbook hook against the server through the pinned host key', async () => {
    const { ctx } = await context();
    const summary = await runHooks('post-setup', ctx);
    expect(summary.outcomes.map((o) => [o.hook.name, o.hook.kind, o.exitCode])).toEqual([
      ['10-mark.yml', 'playbook', 0],
    ]);
    expect(readFileSync(join(bed.dir, 'marker'), 'utf8')).toBe('example.test matrix.example.test\n');
    expect(readFileSync(summary.outcomes[0]!.logFile, 'utf8')).toMatch(/ok=1\s+changed=1/);
  });

  it('finds the shipped hooks of the package', async () => {
    const names = async (e: Parameters<typeof discoverHooks>[0]) =>
      (await discoverHooks(e, { caseHooksDir: join(bed.dir, 'none') })).hooks.map(
        (h) => `${h.name}:${h.kind}`,
      );
    expect(await names('pre-setup')).toEqual(['10-server-preflight.yml:playbook']);
    expect(await names('post-start')).toEqual(['10-verify:executable']);
    expect(await names('post-users')).toEqual(['10-control-room:executable']);
  });
});
