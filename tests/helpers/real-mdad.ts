import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './cli.js';

/** ../shared/mdad beside the project: the real matrix-docker-ansible-deploy (read-only, AGPL). */
export const SHARED_MDAD = join(ROOT, '..', 'shared', 'mdad');

/** Why real-MDAD tests are skipped here, or undefined when the tarballs are present. */
export function realMdadMissing(): string | undefined {
  return existsSync(join(SHARED_MDAD, 'matrix-docker-ansible-deploy.git.tar.gz'))
    ? undefined
    : `skipped: the real MDAD tarball is not at ${SHARED_MDAD} (a user's clone has no ../shared)`;
}

/**
 * A checkout of the real MDAD in `dir` (cloned from the shared bare repository), with its galaxy
 * roles unpacked into roles/galaxy as `ansible-galaxy install` would put them. Never copied into
 * the project: it lives in a temporary folder for the test.
 */
export function realMdadCheckout(dir: string): string {
  const bare = join(dir, 'bare');
  mkdirSync(bare, { recursive: true });
  execFileSync('tar', ['-xzf', join(SHARED_MDAD, 'matrix-docker-ansible-deploy.git.tar.gz'), '-C', bare]);
  const checkout = join(dir, 'mdad');
  execFileSync('git', ['clone', '-q', join(bare, 'matrix-docker-ansible-deploy.git'), checkout]);
  execFileSync('tar', ['-xzf', join(SHARED_MDAD, 'galaxy-roles.tar.gz'), '-C', join(checkout, 'roles')]);
  return checkout;
}
