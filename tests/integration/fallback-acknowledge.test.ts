import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeHandCase } from '../helpers/case.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { FIXTURE_EXPECTED_VERSION, makeFixtureCheckout } from '../helpers/mdad-fixture.js';

// MDAD's migration gate runs on every server of the inventory: `playbook acknowledge` must
// bring each fallback server's vars.yml up too (docs/fallback.md), not only the main one.
/** A case with one fallback server, the main vars.yml at `mainVersion`, the fallback's `fbText`. */
function fallbackCase(dir: string, mainVersion: string, fbText: string) {
  const checkout = makeFixtureCheckout(join(dir, 'mdad'), { roles: false });
  const root = join(dir, 'case');
  writeHandCase(root, {
    validatedVersion: mainVersion,
    configExtra: `fallback:\n  - domain: other.test\n    server:\n      address: 127.0.0.2\nplaybook:\n  path: ${checkout}\n`,
  });
  const fbDir = join(root, 'inventory', 'host_vars', 'matrix.other.test');
  mkdirSync(fbDir, { mode: 0o700 });
  const fbVars = join(fbDir, 'vars.yml');
  writeFileSync(fbVars, fbText, { mode: 0o600 });
  return { root, fbVars, mainVars: join(root, 'inventory', 'host_vars', 'matrix.example.test', 'vars.yml') };
}

describe('playbook acknowledge with a fallback server', () => {
  it("updates the fallback's vars.yml when it is behind, even when the main one is current", async () => {
    const tmp = tempDir();
    try {
      const fbBefore =
        "# the fallback\nmatrix_domain: other.test\nmatrix_playbook_migration_validated_version: 'v2025.01.01.0'\nmatrix_homeserver_generic_secret_key: 'FallbackKey0123456789'\n";
      const { root, fbVars, mainVars } = fallbackCase(tmp.dir, FIXTURE_EXPECTED_VERSION, fbBefore);
      const mainBefore = readFileSync(mainVars, 'utf8');

      const r = await runCli(['--case', root, '--yes', '--json', 'playbook', 'acknowledge']);
      expect(r.exitCode).toBe(0);
      expect(r.stderr).toContain(
        `inventory/host_vars/matrix.other.test/vars.yml: matrix_playbook_migration_validated_version: v2025.01.01.0 -> ${FIXTURE_EXPECTED_VERSION}`,
      );
      expect(readFileSync(fbVars, 'utf8')).toBe(
        fbBefore.replace("'v2025.01.01.0'", `'${FIXTURE_EXPECTED_VERSION}'`),
      );
      expect(statSync(fbVars).mode & 0o777).toBe(0o600);
      expect(readFileSync(mainVars, 'utf8')).toBe(mainBefore);
      expect(JSON.parse(r.stdout)).toMatchObject({
        from: 'v2025.01.01.0',
        to: FIXTURE_EXPECTED_VERSION,
        changed: true,
      });

      const again = await runCli(['--case', root, '--yes', 'playbook', 'acknowledge']);
      expect(again.exitCode).toBe(0);
      expect(again.stderr).toContain('are already validated');
      expect(again.stderr).toContain('nothing to acknowledge');
    } finally {
      tmp.cleanup();
    }
  });

  it('refuses to lower a fallback validated for a newer version, writing nothing', async () => {
    const tmp = tempDir();
    try {
      const { root, mainVars } = fallbackCase(
        tmp.dir,
        'v2025.01.01.0',
        'matrix_playbook_migration_validated_version: v2099.01.01.0\n',
      );
      const mainBefore = readFileSync(mainVars, 'utf8');
      const r = await runCli(['--case', root, '--yes', 'playbook', 'acknowledge']);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toContain(
        'inventory/host_vars/matrix.other.test/vars.yml is validated for v2099.01.01.0, newer than',
      );
      expect(readFileSync(mainVars, 'utf8')).toBe(mainBefore);
    } finally {
      tmp.cleanup();
    }
  });
});
