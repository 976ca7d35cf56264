import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Capture } from '../../src/adapters/process.js';
import { casePaths } from '../../src/case/paths.js';
import { runTeardown } from '../../src/commands/teardown/run.js';
import { UserError } from '../../src/errors.js';
import { memoryOutput } from '../../src/ui/output.js';
import { memoryTerminal } from '../../src/ui/terminal.js';
import { writeHandCase } from '../helpers/case.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'matrix-oob-teardown-server-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

// Whether teardown can stop the services is decided from the checkout's tags: the listing deploy
// cached for the same clean commit answers, instead of loading the whole playbook again.
describe('teardown: the stop decision', () => {
  it("answers from the case's tags cache: no ansible-playbook --list-tags", async () => {
    const root = join(dir, 'case');
    writeHandCase(root);
    writeFileSync(
      join(root, 'known_hosts'),
      '127.0.0.1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIEQrNuLinxQvu2RDhBG9E59GRJUC85thzHpmbaQBuZe\n',
      { mode: 0o600 },
    );
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

// The server part needs the inventory and the pinned host key; without them teardown stops before
// the confirmation, naming the file, the command that writes it, and --local-only.
describe('teardown: refused before the server part', () => {
  const teardown = (root: string) =>
    runTeardown({
      opts: { localOnly: false, dryRun: false, skipHook: [], confirm: 'example.test' },
      globals: { case: root, json: false, yes: true },
      out: memoryOutput(),
      terminal: memoryTerminal(),
      capture: async (file) => {
        throw new Error(`ran ${file}`);
      },
      env: { PATH: process.env.PATH, TMPDIR: dir },
      shippedHooksDir: join(dir, 'no-shipped-hooks'),
    }).catch((e: unknown) => e);

  it('no inventory, then no pinned host key: exit 2, the secrets kept', async () => {
    const root = join(dir, 'case');
    const { vars } = writeHandCase(root);
    rmSync(join(root, 'inventory', 'hosts'));
    const noHosts = (await teardown(root)) as UserError;
    expect(noHosts).toBeInstanceOf(UserError);
    expect(noHosts.exitCode).toBe(2);
    expect(noHosts.message).toBe(
      `the case has no inventory (${join(root, 'inventory', 'hosts')} is missing): cannot reach the server`,
    );
    expect(noHosts.hint).toContain('use --local-only');

    writeHandCase(root);
    const noKey = (await teardown(root)) as UserError;
    expect(noKey).toBeInstanceOf(UserError);
    expect(noKey.exitCode).toBe(2);
    expect(noKey.message).toBe(
      `the server's SSH host key is not pinned (${join(root, 'known_hosts')} is missing)`,
    );
    expect(noKey.hint).toContain('matrix-oob trust-host');
    expect(existsSync(vars)).toBe(true);
    expect(existsSync(join(root, 'journal.jsonl'))).toBe(false);
  });
});
