import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { BIN, ROOT, runCli, tempDir } from '../helpers/cli.js';
import { KEY, type Pty, spawnPty } from '../helpers/pty.js';

// Issue #10, items 5 and 6, on a real terminal: the wizard on an existing case keeps its
// answers, refuses another domain at the domain question and shows what changes; every check
// that can run before "Write?" runs before it.
function terminalEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', TERM: 'xterm' };
  delete env.CI;
  delete env.MATRIX_OOB_CASE;
  return env;
}

const FIXTURE = join(ROOT, 'tests/fixtures/mdad');
const tmp = tempDir('matrix-oob-wizard-update-');
const ptys: Pty[] = [];
afterAll(() => {
  for (const p of ptys) p.kill();
  tmp.cleanup();
});
const wizard = (args: readonly string[]) => {
  const pty = spawnPty('node', [BIN, 'init', ...args], { cwd: tmp.dir, env: terminalEnv() });
  ptys.push(pty);
  return pty;
};
const backspaces = (text: string) => '\x7f'.repeat(text.length);
/** The yes/no and choice questions between the IPv6 and the e-mail ones, in order. */
const MIDDLE = ['Homeserver', 'Element', 'itself from this server', 'audio/video'];
/** Enter (the default) at each of these questions. */
const enterThrough = async (pty: Pty, questions: readonly string[]) => {
  for (const q of questions) await pty.answer(q, KEY.enter);
};

describe('the wizard on an existing case', () => {
  it('5: offers the current answers, refuses another domain at once, shows the changes, keeps everything', async () => {
    const kase = join(tmp.dir, 'ir-1');
    const file = join(tmp.dir, 'ir-1.yml');
    writeFileSync(
      file,
      [
        'domain: example.org',
        'server:',
        '  address: 198.51.100.7',
        '  ipv6: 2001:db8::7',
        'letsencrypt_email: soc@example.org',
        'users:',
        '  - name: lead',
        '    admin: true',
        '  - name: analyst2',
        '  - name: analyst3',
        `playbook:\n  path: ${FIXTURE}`,
        '',
      ].join('\n'),
    );
    expect((await runCli(['init', '--config', file, '--yes', kase])).exitCode).toBe(0);
    const before = parse(readFileSync(join(kase, 'matrix-oob.yml'), 'utf8'));

    const pty = wizard([kase]);
    await pty.waitFor(`Updating the case in ${kase}: its current answers are the defaults`);
    await pty.answer('Base domain of the user IDs', `other.org${KEY.enter}`);
    await pty.waitFor('this case is for example.org');
    pty.send(`${backspaces('other.org')}${KEY.enter}`);
    await pty.answer('Server address', KEY.enter);
    await pty.waitFor('(198.51.100.7)');
    await enterThrough(pty, ['SSH login', 'SSH port']);
    await pty.answer('IPv6 address (optional; empty = none): (2001:db8::7)', KEY.enter);
    await enterThrough(pty, MIDDLE);
    await pty.answer("Let's Encrypt (optional; empty = none): (soc@example.org)", KEY.enter);
    await pty.answer('Keep the users lead (admin), analyst2, analyst3? (Y/n)', KEY.enter);
    await pty.waitFor('checkout (empty = none yet):');
    await pty.answer(`(${FIXTURE})`, KEY.enter);
    await pty.waitFor("No changes to the case's answers.");
    await pty.answer('Write the case folder with these settings?', KEY.enter);
    expect(await pty.exit).toBe(0);
    expect(pty.output()).not.toContain('Setting up a new case');
    const after = parse(readFileSync(join(kase, 'matrix-oob.yml'), 'utf8'));
    expect(after).toEqual(before);
    expect(after.server.ipv6).toBe('2001:db8::7');
    expect(after.letsencrypt_email).toBe('soc@example.org');
    expect(after.users.map((u: { name: string }) => u.name)).toEqual(['lead', 'analyst2', 'analyst3']);
  }, 60_000);

  it('5: a change is shown before anything is written', async () => {
    const kase = join(tmp.dir, 'ir-1');
    const pty = wizard([kase, '--domain', 'example.org', '--address', '198.51.100.7']);
    await enterThrough(pty, ['SSH login', 'SSH port']);
    await pty.answer('IPv6 address', `${backspaces('2001:db8::7')}${KEY.enter}`);
    await enterThrough(pty, [...MIDDLE, "Let's Encrypt"]);
    await pty.answer('Keep the users', KEY.enter);
    await pty.answer('checkout', KEY.enter);
    await pty.waitFor(`Changes to the case in ${kase}:`);
    await pty.waitFor('IPv6: 2001:db8::7 -> none');
    await pty.waitFor('Write the case folder');
    pty.send(KEY.ctrlC);
    expect(await pty.exit).toBe(130);
    expect(parse(readFileSync(join(kase, 'matrix-oob.yml'), 'utf8')).server.ipv6).toBe('2001:db8::7');
  }, 60_000);
});

describe('6: every check before "Write?"', () => {
  it('a missing playbook path is refused at its question; warnings come before the confirmation', async () => {
    const dir = join(tmp.dir, 'new-case');
    const pty = wizard([dir, '--domain', 'example.net', '--address', '10.0.0.5', '--user', 'bob']);
    await enterThrough(pty, ['SSH login', 'SSH port', 'IPv6', ...MIDDLE, "Let's Encrypt"]);
    await pty.answer('checkout', `${join(tmp.dir, 'no-such-checkout')}${KEY.enter}`);
    await pty.waitFor('no-such-checkout does not exist');
    pty.send(`${backspaces(join(tmp.dir, 'no-such-checkout'))}${KEY.enter}`);
    await pty.waitFor('users: nobody is an admin');
    await pty.waitFor('10.0.0.5 is a private address');
    await pty.waitFor('Summary:');
    await pty.waitFor('Write the case folder');
    pty.send(KEY.ctrlC);
    expect(await pty.exit).toBe(130);
    expect(readdirSync(tmp.dir)).not.toContain('new-case');
  }, 60_000);
});
