// Plain JS (with collections.d.ts) so bench/ scripts can use it without a TypeScript loader.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Ansible collection paths for the doctor's collection checks, built offline with the real
 * ansible-galaxy (collection init + build + install), so no test depends on Debian's full
 * `ansible` package being installed (CI has only ansible-core):
 * - `good`: community.docker at `docker` (3.6.0) and community.general,
 * - `old`: community.docker 3.4.7 (older than MDAD's minimum) and community.general,
 * - `noGeneral`: community.docker only,
 * - `empty`: none.
 * Use with ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false to hide whatever the system bundles.
 */
export function makeCollectionPaths(dir, docker = '3.6.0') {
  const built = new Map();
  const tarball = (name, version) => {
    const key = `${name}-${version}`;
    const existing = built.get(key);
    if (existing) return existing;
    const skel = join(dir, 'skel', key);
    execFileSync('ansible-galaxy', ['collection', 'init', name, '--init-path', skel], { stdio: 'pipe' });
    const src = join(skel, ...name.split('.'));
    const galaxy = join(src, 'galaxy.yml');
    writeFileSync(galaxy, readFileSync(galaxy, 'utf8').replace(/^version: .*$/m, `version: ${version}`));
    execFileSync('ansible-galaxy', ['collection', 'build', src, '--output-path', dir], { stdio: 'pipe' });
    const file = join(dir, `${name.replace('.', '-')}-${version}.tar.gz`);
    built.set(key, file);
    return file;
  };
  const install = (path, ...files) => {
    mkdirSync(join(path, 'ansible_collections'), { recursive: true });
    if (files.length > 0)
      execFileSync('ansible-galaxy', ['collection', 'install', '-p', path, ...files], { stdio: 'pipe' });
    return path;
  };
  const general = tarball('community.general', '10.0.0');
  return {
    good: install(join(dir, 'good'), tarball('community.docker', docker), general),
    old: install(join(dir, 'old'), tarball('community.docker', '3.4.7'), general),
    noGeneral: install(join(dir, 'no-general'), tarball('community.docker', docker)),
    empty: install(join(dir, 'empty')),
  };
}
