// The fixture playbook (tests/fixtures/mdad) as a clean git checkout with its galaxy role, the
// way `playbook fetch` leaves one (deploy caches its tag list per commit).
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function fixtureCheckout(dest, root) {
  cpSync(join(root, 'tests/fixtures/mdad'), dest, { recursive: true });
  const roles = join(dest, 'fixture-roles');
  mkdirSync(roles);
  execFileSync('tar', [
    '-czf',
    join(roles, 'playbook_help.tar.gz'),
    '-C',
    join(root, 'tests/fixtures/mdad-galaxy-roles'),
    'playbook_help',
  ]);
  const req = join(dest, 'requirements.yml');
  writeFileSync(req, readFileSync(req, 'utf8').replace('FIXTURE_ROLES', roles));
  execFileSync('ansible-galaxy', ['install', '-r', 'requirements.yml', '-p', 'roles/galaxy/', '--force'], {
    cwd: dest,
    stdio: 'ignore',
  });
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

/**
 * A collection path holding community.docker 3.6.0 and community.general (skeletons built with
 * the real ansible-galaxy, offline), which doctor requires; the same as tests/helpers/collections.ts.
 */
export function collectionPath(dir) {
  const path = join(dir, 'collections');
  mkdirSync(join(path, 'ansible_collections'), { recursive: true });
  for (const [name, version] of [
    ['community.docker', '3.6.0'],
    ['community.general', '10.0.0'],
  ]) {
    const skel = join(dir, 'skel', name);
    execFileSync('ansible-galaxy', ['collection', 'init', name, '--init-path', skel], { stdio: 'ignore' });
    const src = join(skel, ...name.split('.'));
    const galaxy = join(src, 'galaxy.yml');
    writeFileSync(galaxy, readFileSync(galaxy, 'utf8').replace(/^version: .*$/m, `version: ${version}`));
    execFileSync('ansible-galaxy', ['collection', 'build', src, '--output-path', dir], { stdio: 'ignore' });
    execFileSync(
      'ansible-galaxy',
      ['collection', 'install', '-p', path, join(dir, `${name.replace('.', '-')}-${version}.tar.gz`)],
      { stdio: 'ignore' },
    );
  }
  return path;
}
