import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { unsafeBase } from '../../src/teardown/plan.js';
import { TEARDOWN_PLAYBOOK } from '../../src/teardown/server.js';

// playbooks/teardown.yml's guard (issue #9, item 8): on a half-installed server the playbook
// deletes matrix_base_data_path recursively, so the guard must refuse every system folder,
// however it is spelled (trailing or doubled slashes, dot segments). The guard task is run by
// real ansible-playbook, on localhost and alone (the deleting tasks are left out, so a failure
// of this test can never delete anything), with the play's own vars.
const run = promisify(execFile);

describe('teardown.yml refuses to delete system folders', () => {
  let dir: string;
  let playbook: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'matrix-oob-guard-'));
    const [play] = parse(readFileSync(TEARDOWN_PLAYBOOK, 'utf8')) as Record<string, unknown>[];
    const tasks = play!.tasks as { name: string }[];
    const guard = tasks[0]!;
    expect(guard.name).toMatch(/^Refuse a base path/);
    playbook = join(dir, 'guard.yml');
    writeFileSync(
      playbook,
      JSON.stringify([
        {
          ...play,
          hosts: 'localhost',
          connection: 'local',
          become: false,
          tasks: [guard, { name: 'passed', 'ansible.builtin.debug': { msg: 'GUARD PASSED' } }],
        },
      ]),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function guard(base: string): Promise<boolean> {
    const r = await run(
      'ansible-playbook',
      ['-i', 'localhost,', playbook, '-e', JSON.stringify({ matrix_base_data_path: base })],
      {
        env: { ...process.env, ANSIBLE_LOCALHOST_WARNING: 'false', ANSIBLE_NOCOLOR: '1' },
      },
    ).catch((e: { stdout: string }) => ({ stdout: e.stdout }));
    if (!r.stdout.includes('GUARD PASSED')) expect(r.stdout).toContain('refusing to delete it');
    return r.stdout.includes('GUARD PASSED');
  }

  const refused = [
    '/',
    '//',
    '/var/',
    '/var//',
    '//var',
    '/etc/',
    '/etc/matrix',
    '/root/',
    '/root',
    '/home/',
    '/home/alice',
    '/usr/local/',
    '/var/lib/',
    '/var/lib/docker',
    '/opt/',
    '/srv//',
    '/tmp/',
    '/matrix/../etc',
    '/./var',
    'matrix',
    '',
  ];
  const allowed = [
    '/matrix',
    '/matrix/',
    '/srv/matrix',
    '/opt/matrix',
    '/var/lib/matrix',
    '/data/matrix-case',
  ];

  it('refuses every system folder however spelled, lets a dedicated folder through', async () => {
    const results: Record<string, boolean> = {};
    const bases = [...refused, ...allowed];
    for (let i = 0; i < bases.length; i += 4) {
      await Promise.all(
        bases.slice(i, i + 4).map(async (b) => {
          results[b] = await guard(b);
        }),
      );
    }
    // matrix-oob checks the same rule itself, before the confirmation.
    expect(Object.fromEntries(bases.map((b) => [b, unsafeBase(b) === undefined]))).toEqual(results);
    expect(Object.fromEntries(bases.map((b) => [b, results[b]]))).toEqual(
      Object.fromEntries([...refused.map((b) => [b, false]), ...allowed.map((b) => [b, true])]),
    );
  });
});
