import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Ansible collection paths for the doctor's community.docker check, built offline:
 * `good` holds a skeleton community.docker at `version` (ansible-galaxy collection build +
 * install), `empty` holds none. With ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false the system's
 * bundled collections are hidden too.
 */
export function makeCollectionPaths(dir: string, version = '3.6.0'): { good: string; empty: string } {
  const skel = join(dir, 'skel');
  execFileSync('ansible-galaxy', ['collection', 'init', 'community.docker', '--init-path', skel], {
    stdio: 'pipe',
  });
  const galaxy = join(skel, 'community/docker/galaxy.yml');
  writeFileSync(galaxy, readFileSync(galaxy, 'utf8').replace(/^version: .*$/m, `version: ${version}`));
  execFileSync(
    'ansible-galaxy',
    ['collection', 'build', join(skel, 'community/docker'), '--output-path', dir],
    {
      stdio: 'pipe',
    },
  );
  const good = join(dir, 'good');
  execFileSync(
    'ansible-galaxy',
    ['collection', 'install', '-p', good, join(dir, `community-docker-${version}.tar.gz`)],
    { stdio: 'pipe' },
  );
  const empty = join(dir, 'empty');
  mkdirSync(join(empty, 'ansible_collections'), { recursive: true });
  return { good, empty };
}
