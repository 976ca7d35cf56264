import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeCase } from '../helpers/case.js';
import { runCli } from '../helpers/cli.js';

/** The built CLI: `watch` is wired, and bad usage is one line, exit 2, nothing written. */
describe('matrix-oob watch (built CLI)', () => {
  it('refuses bad flags with one line naming the flag, exit 2, and writes nothing', async () => {
    const kase = await makeCase({
      domain: 'oob-watch.test',
      server: { address: '203.0.113.10' },
      users: [{ name: 'lead', admin: true }],
    });
    try {
      const interval = await runCli(['-C', kase.dir, 'watch', '--interval', '0']);
      expect(interval.exitCode).toBe(2);
      expect(interval.stderr).toContain('error: --interval "0" is not a number of seconds from 1 to 600');
      expect(interval.stderr).toContain('hint: give a number of seconds, e.g. --interval 5');
      const source = await runCli(['-C', kase.dir, 'watch', '--source', 'ssh']);
      expect(source.exitCode).toBe(2);
      expect(source.stderr).toContain("argument 'ssh' is invalid. Allowed choices are both, state, log.");
      // The log source needs a pinned host key; nothing is asked of the network without one.
      const unpinned = await runCli(['-C', kase.dir, 'watch', '--once', '--source', 'log']);
      expect(unpinned.exitCode).toBe(2);
      expect(unpinned.stderr).toContain('error: no host key pinned for 203.0.113.10 port 22');
      expect(unpinned.stderr).toContain('matrix-oob trust-host');
      expect(existsSync(join(kase.dir, 'watch'))).toBe(false);
      const help = await runCli(['watch', '--help']);
      expect(help.exitCode).toBe(0);
      expect(help.stdout).toContain('See docs/watch.md');
    } finally {
      await kase.cleanup();
    }
  });

  // The admin's password goes to the homeserver URL: one left in MATRIX_OOB_WATCH_URL from another
  // case is refused before anything is sent, and the error names the variable, not a flag the
  // user never typed. The case's own server.address is accepted, as control-room accepts it.
  it('names MATRIX_OOB_WATCH_URL when it points at another server, and accepts server.address', async () => {
    const kase = await makeCase({
      domain: 'oob-watch.test',
      server: { address: '192.0.2.10' },
      users: [{ name: 'lead', admin: true }],
    });
    try {
      mkdirSync(join(kase.dir, 'credentials'), { mode: 0o700 });
      writeFileSync(join(kase.dir, 'credentials', 'lead.txt'), 'password: Lead-Secret-Password-1\n', {
        mode: 0o600,
      });
      const env = await runCli(['-C', kase.dir, 'watch', '--once', '--source', 'state', '--timeout', '1'], {
        env: { MATRIX_OOB_WATCH_URL: 'https://matrix.other-case.test' },
      });
      expect(env.exitCode).toBe(2);
      expect(env.stderr).toContain(
        "error: MATRIX_OOB_WATCH_URL (from the environment) https://matrix.other-case.test is not this case's server (matrix.oob-watch.test or 192.0.2.10)",
      );
      expect(env.stderr).toContain('unset MATRIX_OOB_WATCH_URL');
      expect(env.all).not.toContain('Lead-Secret-Password-1');
      const address = await runCli([
        '-C',
        kase.dir,
        'watch',
        '--once',
        '--source',
        'state',
        '--timeout',
        '1',
        '--homeserver-url',
        'https://192.0.2.10',
      ]);
      expect(address.stderr).not.toContain("is not this case's server");
      expect(address.exitCode).toBe(1);
    } finally {
      await kase.cleanup();
    }
  });
  // A state.json field of the wrong shape is refused, never coerced: own_devices edited to a
  // string would make its lookups substring matches that hide alerts.
  it('refuses a state.json with a field of the wrong shape: exit 2 naming the file and the field, file kept', async () => {
    const kase = await makeCase({
      domain: 'oob-watch.test',
      server: { address: '192.0.2.10' },
      users: [{ name: 'lead', admin: true }],
    });
    const file = join(kase.dir, 'watch', 'state.json');
    const state = {
      version: 1,
      created_at: '2026-11-29T09:00:00.000Z',
      case_users: ['@lead:oob-watch.test'],
      removed_users: {},
      extra_accounts: [],
      items: {},
      alerted: [],
      own_devices: [],
    };
    const OWN = "own_devices is not a list of watch's own logins (user, device, from, to, logged)";
    const login = {
      user: '@lead:oob-watch.test',
      device: 'ABC',
      from: state.created_at,
      to: state.created_at,
    };
    try {
      mkdirSync(join(kase.dir, 'watch'), { mode: 0o700 });
      for (const [field, value, says] of [
        ['own_devices', '@lead:oob-watch.test|ABCDEFGHIJ @lead:oob-watch.test|KLMNOPQRST', OWN],
        ['own_devices', ['@lead:oob-watch.test|ABCDEFGHIJ'], OWN],
        ['own_devices', [{ ...login, from: 'yesterday', logged: false }], OWN],
        ['own_devices', [login], OWN],
        ['extra_accounts', '@mallory:oob-watch.test', 'extra_accounts is not a list of user IDs'],
        [
          'removed_users',
          ['@analyst1:oob-watch.test'],
          'removed_users is not an object of user IDs and times',
        ],
        ['alerted', {}, 'alerted is not a list of alert keys'],
      ] as const) {
        const text = JSON.stringify({ ...state, [field]: value });
        writeFileSync(file, text, { mode: 0o600 });
        const r = await runCli(['-C', kase.dir, 'watch', '--once', '--source', 'state', '--timeout', '1']);
        expect([field, r.exitCode]).toEqual([field, 2]);
        expect(r.stderr).toContain(`error: ${file}: ${says}`);
        expect(r.stderr).toContain('hint: restore it, or move it away to take a new baseline');
        expect(readFileSync(file, 'utf8')).toBe(text);
      }
    } finally {
      await kase.cleanup();
    }
  });
});
