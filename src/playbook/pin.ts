import { join } from 'node:path';

/**
 * The matrix-docker-ansible-deploy commit this version of matrix-oob is tested with
 * (docs/playbook.md, "The pin"). MDAD publishes no git tags (track master, read its
 * CHANGELOG.md), so the pin is a full commit. `matrix-oob playbook fetch` checks it out unless
 * told otherwise: `--ref`, then the case config's `playbook.ref`, then MATRIX_OOB_PLAYBOOK_REF,
 * then this pin. Bump it together with PINNED_MIGRATION_VERSION (the migration version that
 * commit expects) after testing a newer MDAD.
 */
export const PINNED_COMMIT = 'c0681e4bc2d55df19056f3d3a7b997f9e7335890';

/** A full commit id (what `git fetch` can ask a server for directly). */
export function isFullCommit(ref: string): boolean {
  return /^[0-9a-f]{40}$/.test(ref);
}

/** MDAD's public repository (AGPL; cloned, never vendored). */
export const DEFAULT_REPO = 'https://github.com/spantaleev/matrix-docker-ansible-deploy.git';

/** Where a case keeps its checkout unless playbook.path or --dir says otherwise. */
export const DEFAULT_CHECKOUT_DIR = 'playbook';

/** The checkout a case uses: playbook.path (already absolute after loading), or <case>/playbook. */
export function checkoutPath(loaded: {
  config: { playbook: { path?: string } };
  paths: { root: string };
}): string {
  return loaded.config.playbook.path ?? join(loaded.paths.root, DEFAULT_CHECKOUT_DIR);
}

export interface PlaybookSource {
  repo: string;
  ref: string;
  /** Where each value came from, for the progress lines. */
  refFrom: 'flag' | 'config' | 'env' | 'pin';
}

/** Decide which repository and revision to fetch. */
export function chooseSource(
  flags: { repo?: string; ref?: string },
  config: { repo?: string; ref?: string } | undefined,
  env: NodeJS.ProcessEnv = process.env,
): PlaybookSource {
  const repo = flags.repo ?? config?.repo ?? env.MATRIX_OOB_PLAYBOOK_REPO ?? DEFAULT_REPO;
  if (flags.ref) return { repo, ref: flags.ref, refFrom: 'flag' };
  if (config?.ref) return { repo, ref: config.ref, refFrom: 'config' };
  if (env.MATRIX_OOB_PLAYBOOK_REF) return { repo, ref: env.MATRIX_OOB_PLAYBOOK_REF, refFrom: 'env' };
  return { repo, ref: PINNED_COMMIT, refFrom: 'pin' };
}

/** A repository URL fit for display and the journal: user:password@ and tokens masked. */
export function displayUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i, '$1***@');
}
