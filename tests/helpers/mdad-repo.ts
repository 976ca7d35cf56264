import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURE_EXPECTED_VERSION, makeFixtureCheckout } from './mdad-fixture.js';

/** A later migration version the second commit of the fixture repository expects. */
export const NEXT_EXPECTED_VERSION = 'v2026.08.01.0';
export const NEXT_BREAKING_SUMMARY =
  'Synapse workers are now on by default; set matrix_synapse_workers_enabled: false to keep one process';

/**
 * A local git repository of the fixture playbook (tests/fixtures/mdad) on one branch, `master`,
 * and, like MDAD, without tags: commits[0] expects FIXTURE_EXPECTED_VERSION (as shipped),
 * commits[1] (the branch head) NEXT_EXPECTED_VERSION and lists one more breaking change.
 * Use it as `--repo file://<dir>` and pin a commit with `--ref`. Roles come from a local
 * tarball (no network).
 */
export function makeFixtureRepo(dir: string): { dir: string; url: string; commits: [string, string] } {
  makeFixtureCheckout(dir, { roles: false });
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.email=tests@matrix-oob.invalid', '-c', 'user.name=tests', ...args], {
      cwd: dir,
      stdio: 'pipe',
    });
  const head = () => git('rev-parse', 'HEAD').toString().trim();
  git('init', '-q', '-b', 'master');
  git('add', '-A');
  git('commit', '-q', '-m', 'fixture playbook');
  const first = head();
  const defaults = join(dir, 'roles/custom/matrix_playbook_migration/defaults/main.yml');
  const text = readFileSync(defaults, 'utf8')
    .replace(
      `expected_version: "${FIXTURE_EXPECTED_VERSION}"`,
      `expected_version: "${NEXT_EXPECTED_VERSION}"`,
    )
    .concat(
      `  - version: "${NEXT_EXPECTED_VERSION}"\n    summary: "${NEXT_BREAKING_SUMMARY}"\n    changelog_url: "https://example.invalid/CHANGELOG.md#2026-08-01"\n`,
    );
  writeFileSync(defaults, text);
  git('commit', '-q', '-am', 'next migration version');
  return { dir, url: `file://${dir}`, commits: [first, head()] };
}
