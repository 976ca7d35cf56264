import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runUserRemove } from '../../src/commands/user/remove.js';
import { runUserAdd } from '../../src/commands/user/run.js';
import { UserError } from '../../src/errors.js';
import { memoryOutput } from '../../src/ui/output.js';
import { writeHandCase } from '../helpers/case.js';

// The flags of `user add` and `user remove` that are refused before anything runs: each is one
// error naming the flag or the name and the fix, exit 2, nothing written, no request made.
describe('user add / user remove: bad input', () => {
  let dir: string;
  let root: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'matrix-oob-user-refusals-'));
    root = join(dir, 'case');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A case ready for user add (checkout, inventory, pinned key), with `users:` lines. */
  const ready = (users = '') => {
    writeHandCase(root, { configExtra: `${users}playbook:\n  path: ${join(dir, 'mdad')}\n` });
    mkdirSync(join(dir, 'mdad'));
    writeFileSync(join(dir, 'mdad', 'setup.yml'), '---\n');
    writeFileSync(join(root, 'known_hosts'), '', { mode: 0o600 });
  };
  const files = () => readdirSync(root).sort();

  const refused = async (run: () => Promise<void>): Promise<UserError> => {
    const before = files();
    const config = readFileSync(join(root, 'matrix-oob.yml'), 'utf8');
    const err = await run().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).exitCode).toBe(2);
    expect(files()).toEqual(before); // no credentials/, no journal, no lock left behind
    expect(readFileSync(join(root, 'matrix-oob.yml'), 'utf8')).toBe(config);
    return err as UserError;
  };

  const add =
    (name: string | undefined, opts: Partial<Parameters<typeof runUserAdd>[0]['opts']> = {}) =>
    () =>
      runUserAdd({
        name,
        ansibleArgs: [],
        opts: { admin: false, all: false, reset: false, showPassword: false, ...opts },
        globals: { case: root, json: false, yes: true },
        out: memoryOutput(),
        // Nothing may run: any program started is a failure of the test.
        capture: async (file) => {
          throw new Error(`ran ${file}`);
        },
      });

  it('user add: a name and --all, --all with --password-file, neither a name nor --all', async () => {
    ready('users:\n  - name: alice\n');
    expect((await refused(add('bob', { all: true }))).message).toBe(
      'give either a user name or --all, not both',
    );
    expect((await refused(add(undefined, { all: true, passwordFile: join(dir, 'pw') }))).message).toBe(
      '--password-file sets one password: use it with a single user name, not --all',
    );
    const none = await refused(add(undefined));
    expect(none.message).toBe('user add needs a user name or --all');
    expect(none.hint).toBe('e.g. matrix-oob user add analyst1 --admin');
  });

  it('user add --all with no accounts (no users, recorder off) names the file and the fix', async () => {
    ready('recorder:\n  enabled: false\n');
    const err = await refused(add(undefined, { all: true }));
    expect(err.message).toBe(`--all: ${join(root, 'matrix-oob.yml')} lists no users`);
    expect(err.hint).toContain('users: [{ name: analyst1, admin: true }]');
  });

  it('user add: a name Matrix refuses, an unreadable and an empty --password-file (never echoed)', async () => {
    ready();
    expect((await refused(add('Alice'))).message).toBe(
      'user name "Alice" has capital letters; Matrix user names are lowercase: write "alice"',
    );
    const missing = await refused(add('alice', { passwordFile: join(dir, 'nope.txt') }));
    expect(missing.message).toBe(`--password-file: cannot read ${join(dir, 'nope.txt')}: ENOENT`);
    writeFileSync(join(dir, 'empty.txt'), '\n');
    expect((await refused(add('alice', { passwordFile: join(dir, 'empty.txt') }))).message).toBe(
      '--password-file: the file is empty',
    );
    const secret = 'TooShort-1';
    writeFileSync(join(dir, 'short.txt'), `${secret}\n`);
    const short = await refused(add('alice', { passwordFile: join(dir, 'short.txt') }));
    expect(`${short.message} ${short.hint}`).not.toContain(secret);
  });

  const remove = (name: string, timeout = '15') => {
    let asked = 0;
    const run = () =>
      runUserRemove({
        name,
        opts: { timeout, homeserverUrl: 'http://127.0.0.1:9' },
        globals: { case: root, json: false, yes: true },
        out: memoryOutput(),
        fetch: async () => {
          asked++;
          throw new Error('no request may be made');
        },
      });
    return { run, asked: () => asked };
  };

  it('user remove: a bad name and a bad --timeout, before any request', async () => {
    ready('users:\n  - name: alice\n');
    mkdirSync(join(root, 'credentials'), { mode: 0o700 });
    writeFileSync(join(root, 'credentials', 'alice.txt'), 'password: alice-Password-1\n', { mode: 0o600 });
    const badName = remove('@alice:example.test');
    expect((await refused(badName.run)).message).toBe(
      'user name must be the localpart only, without "@" or ":domain": write "alice"',
    );
    const badTimeout = remove('alice', 'soon');
    const err = await refused(badTimeout.run);
    expect(err.message).toBe('--timeout "soon" is not a number of seconds from 0.1 to 600');
    expect(err.hint).toBe('give a number of seconds, e.g. --timeout 15');
    expect(badName.asked() + badTimeout.asked()).toBe(0);
    expect(existsSync(join(root, 'credentials', 'alice.txt'))).toBe(true);
  });
});
