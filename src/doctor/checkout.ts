import { join, relative } from 'node:path';
import { exists } from '../adapters/files.js';
import type { LoadedCase } from '../config/load.js';
import { GALAXY_ROLES_DIR, galaxyRolesState, REQUIREMENTS_FILE } from '../playbook/galaxy-roles.js';
import { MIGRATION_DEFAULTS } from '../playbook/migration.js';
import { checkoutPath } from '../playbook/pin.js';
import type { DoctorContext } from './context.js';
import type { CheckResult } from './report.js';

const FETCH = 'run "matrix-oob playbook fetch" (clones the tested revision and installs its roles).';

/** Whether the case's checkout is usable (exported for the migration check). */
export async function checkoutUsable(path: string): Promise<boolean> {
  const files = await Promise.all(
    ['setup.yml', REQUIREMENTS_FILE, MIGRATION_DEFAULTS].map((f) => exists(join(path, f))),
  );
  return files.every(Boolean);
}

/**
 * What a check of the checkout against the inventory needs: a case, a usable checkout and the
 * host's vars.yml; or the skip result saying which is missing.
 */
export async function checkoutWithVars(
  ctx: DoctorContext,
  base: { id: string; title: string },
): Promise<{ skip: CheckResult } | { loaded: LoadedCase; path: string; vars: Record<string, unknown> }> {
  const skip = (summary: string) => ({ skip: { ...base, status: 'skip' as const, summary } });
  if (!ctx.loaded) return skip('needs a case');
  const path = checkoutPath(ctx.loaded);
  const [usable, inv] = await Promise.all([checkoutUsable(path), ctx.inventory]);
  if (!usable) return skip('needs the playbook checkout');
  if (!inv?.vars) return skip("needs the host's vars.yml");
  return { loaded: ctx.loaded, path, vars: inv.vars };
}

export async function checkoutChecks(ctx: DoctorContext): Promise<CheckResult[]> {
  const co = { id: 'playbook-checkout', title: 'playbook checkout' };
  const roles = { id: 'galaxy-roles', title: 'galaxy roles' };
  if (!ctx.loaded) {
    return [
      { ...co, status: 'skip', summary: 'needs a case (see "case")' },
      { ...roles, status: 'skip', summary: 'needs a case' },
    ];
  }
  const path = checkoutPath(ctx.loaded);
  const shown = displayPath(ctx.loaded.paths.root, path);
  if (!(await exists(path))) {
    return [
      { ...co, status: 'fail', summary: `no playbook checkout at ${shown}`, fix: FETCH },
      { ...roles, status: 'skip', summary: 'needs the playbook checkout' },
    ];
  }
  if (!(await checkoutUsable(path))) {
    return [
      {
        ...co,
        status: 'fail',
        summary: `${shown} is not a matrix-docker-ansible-deploy checkout (no setup.yml, ${REQUIREMENTS_FILE} or migration defaults)`,
        fix: `point playbook.path in matrix-oob.yml at the checkout, or ${FETCH}`,
      },
      { ...roles, status: 'skip', summary: 'needs the playbook checkout' },
    ];
  }
  const [coResult, rolesResult] = await Promise.all([
    describeCheckout(ctx, path, shown),
    rolesCheck(path, roles),
  ]);
  return [{ ...co, ...coResult }, rolesResult];
}

async function describeCheckout(
  ctx: DoctorContext,
  path: string,
  shown: string,
): Promise<Pick<CheckResult, 'status' | 'summary' | 'fix'>> {
  const git = (args: string[]) =>
    ctx.capture('git', ['-C', path, ...args], { env: { ...ctx.env, LC_ALL: 'C' } });
  const head = await git(['rev-parse', 'HEAD']);
  if (head.exitCode !== 0) return { status: 'pass', summary: `${shown} (not a git checkout)` };
  const commit = head.stdout.trim();
  const ref = ctx.loaded!.config.playbook.ref;
  if (ref) {
    // A branch (`master`) is origin's, as `playbook fetch` left it; else a commit.
    let want = await git(['rev-parse', '--verify', '--quiet', `refs/remotes/origin/${ref}^{commit}`]);
    if (want.exitCode !== 0) want = await git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
    if (want.exitCode !== 0 || want.stdout.trim() !== commit) {
      return {
        status: 'warn',
        summary: `${shown} is at ${commit.slice(0, 12)}, not at playbook.ref ${ref}`,
        fix: 'run "matrix-oob playbook fetch" to check out playbook.ref (or set playbook.ref to what you tested).',
      };
    }
    return { status: 'pass', summary: `${shown} at ${ref} (${commit.slice(0, 12)})` };
  }
  return { status: 'pass', summary: `${shown} at ${commit.slice(0, 12)}` };
}

async function rolesCheck(path: string, base: { id: string; title: string }): Promise<CheckResult> {
  const state = await galaxyRolesState(path);
  const by = `cd ${path} && ansible-galaxy install -r ${REQUIREMENTS_FILE} -p ${GALAXY_ROLES_DIR}/ --force`;
  if (!state) return { ...base, status: 'skip', summary: `no ${REQUIREMENTS_FILE}` };
  if (state.missing.length > 0) {
    const list =
      state.missing.slice(0, 6).join(', ') +
      (state.missing.length > 6 ? `, … (${state.missing.length - 6} more)` : '');
    return {
      ...base,
      status: 'fail',
      summary: `${state.missing.length} of ${state.required.length} roles missing in ${GALAXY_ROLES_DIR}/: every run fails ("the role 'galaxy/…' was not found")`,
      details: [`missing: ${list}`],
      fix: `run "matrix-oob playbook fetch", or by hand: ${by}`,
    };
  }
  if (state.outdated.length > 0) {
    return {
      ...base,
      status: 'warn',
      summary: `${state.outdated.length} role${state.outdated.length === 1 ? '' : 's'} at another version than ${REQUIREMENTS_FILE} asks for`,
      details: state.outdated.map((o) => `${o.name}: installed ${o.installed}, wanted ${o.wanted}`),
      fix: `run "matrix-oob playbook fetch", or by hand: ${by}`,
    };
  }
  return {
    ...base,
    status: 'pass',
    summary: `${state.required.length === 1 ? 'the 1 role' : `all ${state.required.length} roles`} of ${REQUIREMENTS_FILE} installed`,
  };
}

export function displayPath(root: string, path: string): string {
  const rel = relative(root, path);
  return rel === '' ? '.' : rel.startsWith('..') ? path : rel;
}
