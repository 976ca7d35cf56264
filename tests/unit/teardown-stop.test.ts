import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Capture } from '../../src/adapters/process.js';
import { casePaths } from '../../src/case/paths.js';
import { runTeardown } from '../../src/commands/teardown/run.js';
import { memoryOutput } from '../../src/ui/output.js';
import { memoryTerminal } from '../../src/ui/terminal.js';
import { writeHandCase } from '../helpers/case.js';

// Whether teardown can stop the services is decided from the checkout's tags: the listing deploy
// cached for the same clean commit answers, instead of loading the whole playbook again.
describe('teardown: the stop decision', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'matrix-oob-teardown-stop-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("answers from the case's tags cache: no ansible-playbook --list-tags", async () => {
    const root = join(dir, 'case');
    writeHandCase(root);
    writeFileSync(join(root, 'known_hosts'), '', { mode: 0o600 });
    mkdirSync(join(root, 'playbook'));
    writeFileSync(join(root, 'playbook', 'setup.yml'), '---\n');
    const paths = casePaths(root, 'example.test');
    mkdirSync(join(root, '.cache'), { mode: 0o700 });
    // What deploy left for the clean commit abc123 (the key of src/ansible/tags.ts).
    writeFileSync(
      paths.tagsCache,
      `${JSON.stringify({ key: 'abc123 setup.yml galaxy:none', tags: ['stop'] })}\n`,
    );

    const ran: string[] = [];
    // The checkout is a clean git checkout at abc123; ansible-playbook is not installed.
    const capture: Capture = async (file, args) => {
      ran.push([file, ...args].join(' '));
      if (file === 'git' && args.includes('rev-parse'))
        return { exitCode: 0, stdout: 'abc123\n', stderr: '', notFound: false };
      if (file === 'git') return { exitCode: 0, stdout: '', stderr: '', notFound: false };
      return { exitCode: 127, stdout: '', stderr: '', notFound: true };
    };
    const out = memoryOutput();
    await runTeardown({
      opts: { localOnly: false, dryRun: true, skipHook: [] },
      globals: { case: root, json: true, yes: true },
      out,
      terminal: memoryTerminal(),
      capture,
      env: { PATH: process.env.PATH, TMPDIR: dir },
      shippedHooksDir: join(dir, 'no-shipped-hooks'),
    });
    expect(ran.filter((c) => c.startsWith('ansible-playbook'))).toEqual([]);
    expect(JSON.parse(out.stdout[0]!)).toMatchObject({ dry_run: true, stop: 'run' });
  });
});
