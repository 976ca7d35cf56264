// Plain JS (with mdad-fixture.d.ts) so bench/ scripts can use it without a TypeScript loader.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURE_MDAD = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/mdad');
const GALAXY_ROLES = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/mdad-galaxy-roles');

/**
 * Copy the fixture playbook (tests/fixtures/mdad) to `dir`, as a checkout of MDAD would be.
 * The galaxy role tarball is built locally; with `roles: true` it is installed with the real
 * `ansible-galaxy install -r requirements.yml -p roles/galaxy/ --force`.
 */
export function makeFixtureCheckout(dir, options = {}) {
  cpSync(FIXTURE_MDAD, dir, { recursive: true });
  const rolesDir = join(dir, 'fixture-roles');
  mkdirSync(rolesDir, { recursive: true });
  execFileSync('tar', ['-czf', join(rolesDir, 'playbook_help.tar.gz'), '-C', GALAXY_ROLES, 'playbook_help']);
  const req = join(dir, 'requirements.yml');
  writeFileSync(req, readFileSync(req, 'utf8').replace('FIXTURE_ROLES', rolesDir));
  if (options.roles !== false) {
    execFileSync('ansible-galaxy', ['install', '-r', 'requirements.yml', '-p', 'roles/galaxy/', '--force'], {
      cwd: dir,
      stdio: 'pipe',
    });
  }
  return dir;
}

/** The expected migration version the fixture checkout declares. */
export const FIXTURE_EXPECTED_VERSION = 'v2026.05.18.0';
