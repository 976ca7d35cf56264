import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PINNED_COMMIT } from '../../src/playbook/pin.js';
import { locateRealMdad } from '../contract/locate.js';
import { ROOT } from './cli.js';

/** The real MDAD snapshot (../shared/mdad), or why it is absent. */
export const REAL: { dir?: string; reason?: string } = locateRealMdad();

/** `describe` when the real MDAD is here, `describe.skip` otherwise (the reporter says why). */
export const describeReal: jest.Describe = REAL.dir ? describe : describe.skip;

export interface RealMdad {
  /** The unpacked shallow bare repository (no tags, master at the pin). */
  bare: string;
  url: string;
  /** A checkout of the pin with every galaxy role under roles/galaxy/, as `playbook fetch` leaves it. */
  checkout: string;
  /** galaxy/<role>/ for every role of requirements.yml. */
  galaxy: string;
}

/**
 * Unpack the tarballs once per test run (into the run folder that tests/global-setup.js makes;
 * workers share it through a lock folder) and never into the project: MDAD is AGPL.
 */
export function realMdad(): RealMdad {
  if (!REAL.dir) throw new Error(`the real MDAD is not available: ${REAL.reason}`);
  const run = process.env.MATRIX_OOB_TEST_RUN_DIR ?? ownRunDir();
  const base = join(run, 'real-mdad');
  const result: RealMdad = {
    bare: join(base, 'matrix-docker-ansible-deploy.git'),
    url: `file://${join(base, 'matrix-docker-ansible-deploy.git')}`,
    checkout: join(base, 'checkout'),
    galaxy: join(base, 'galaxy'),
  };
  const ready = join(base, '.ready');
  if (existsSync(ready)) return result;
  let owner = false;
  try {
    mkdirSync(`${base}.lock`);
    owner = true;
  } catch {
    // another worker unpacks
  }
  if (owner) {
    mkdirSync(base, { recursive: true });
    const run = (file: string, args: string[], cwd = base) =>
      execFileSync(file, args, { cwd, stdio: 'pipe' });
    run('tar', ['-xzf', join(REAL.dir, 'matrix-docker-ansible-deploy.git.tar.gz')]);
    run('tar', ['-xzf', join(REAL.dir, 'galaxy-roles.tar.gz')]);
    run('git', ['clone', '-q', '--no-checkout', result.url, result.checkout]);
    run(
      'git',
      ['-c', 'advice.detachedHead=false', 'checkout', '-q', '--detach', PINNED_COMMIT],
      result.checkout,
    );
    run('tar', ['-xzf', join(REAL.dir, 'galaxy-roles.tar.gz'), '-C', join(result.checkout, 'roles')]);
    writeFileSync(ready, '');
    return result;
  }
  const deadline = Date.now() + 180_000;
  while (!existsSync(ready)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${base} to be unpacked`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
  }
  return result;
}

let own: string | undefined;
function ownRunDir(): string {
  if (!own) {
    const dir = mkdtempSync(join(tmpdir(), 'matrix-oob-run-'));
    own = dir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return own;
}

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
