import { existsSync } from 'node:fs';
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
});
