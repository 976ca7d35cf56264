// The fixture playbook (tests/fixtures/mdad) as a clean git checkout with its galaxy role, the
// way `playbook fetch` leaves one (deploy caches its tag list per commit).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeCollectionPaths } from '../tests/helpers/collections.js';
import { makeFixtureCheckout } from '../tests/helpers/mdad-fixture.js';

export function fixtureCheckout(dest) {
  makeFixtureCheckout(dest);
  writeFileSync(join(dest, '.gitignore'), 'roles/galaxy/\nfixture-roles/\n');
  const gitEnv = {
    ...process.env,
    GIT_AUTHOR_NAME: 'b',
    GIT_AUTHOR_EMAIL: 'b@b',
    GIT_COMMITTER_NAME: 'b',
    GIT_COMMITTER_EMAIL: 'b@b',
  };
  for (const args of [
    ['init', '-q'],
    ['add', '-A'],
    ['commit', '-qm', 'fixture'],
  ]) {
    execFileSync('git', ['-C', dest, ...args], { stdio: 'ignore', env: gitEnv });
  }
  return dest;
}

/** A collection path with community.docker 3.6.0 and community.general, which doctor requires. */
export function collectionPath(dir) {
  return makeCollectionPaths(join(dir, 'collections')).good;
}
