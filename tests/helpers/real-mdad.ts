import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { PINNED_COMMIT } from '../../src/playbook/pin.js';
import { locateShared, onceInRun, sharedSkip, unpackShared } from './shared.js';

/** The real MDAD snapshot (../shared/mdad), or why it is absent. */
export const REAL: { dir?: string; reason?: string } = locateShared('mdad');

/** Why tests of the real MDAD skip here (one line), or undefined when it is here. */
export function realMdadMissing(): string | undefined {
  return sharedSkip('mdad');
}

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

const BARE = 'matrix-docker-ansible-deploy.git';
const GALAXY_TARBALL = 'galaxy-roles.tar.gz';

/**
 * The real MDAD, unpacked once per test run (./shared.js) with one shared checkout of the pin;
 * never in the project: MDAD is AGPL. Tests that change the checkout make their own
 * (realMdadCheckout).
 */
export function realMdad(): RealMdad {
  const base = unpackShared('mdad');
  const bare = join(base, BARE);
  const url = `file://${bare}`;
  const checkout = join(
    onceInRun('real-mdad-checkout', (dir) => checkoutWithRoles(url, join(dir, 'checkout'), PINNED_COMMIT)),
    'checkout',
  );
  return { bare, url, checkout, galaxy: join(base, 'galaxy') };
}

/**
 * A checkout of the real MDAD of this test's own in `dir` (cloned from the run's unpacked bare
 * repository), with its galaxy roles under roles/galaxy as `ansible-galaxy install` would put them.
 */
export function realMdadCheckout(dir: string): string {
  const checkout = join(dir, 'mdad');
  checkoutWithRoles(join(unpackShared('mdad'), BARE), checkout);
  return checkout;
}

/** Clone (at `commit`, else the bare repository's HEAD) and unpack the galaxy roles into roles/. */
function checkoutWithRoles(from: string, checkout: string, commit?: string): void {
  const run = (file: string, args: string[]) => execFileSync(file, args, { stdio: 'pipe' });
  if (commit) {
    run('git', ['clone', '-q', '--no-checkout', from, checkout]);
    run('git', ['-C', checkout, '-c', 'advice.detachedHead=false', 'checkout', '-q', '--detach', commit]);
  } else {
    run('git', ['clone', '-q', from, checkout]);
  }
  run('tar', ['-xzf', join(REAL.dir!, GALAXY_TARBALL), '-C', join(checkout, 'roles')]);
}
