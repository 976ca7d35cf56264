import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the real matrix-docker-ansible-deploy for the contract tests is: MATRIX_OOB_REAL_MDAD,
 * else ../shared/mdad beside the project (the development machine's layout). A user's clone
 * has neither: the contract tests are then skipped, and the run says so (summary-reporter.js).
 */
export const REAL_MDAD_FILES = ['matrix-docker-ansible-deploy.git.tar.gz', 'galaxy-roles.tar.gz'];

export function locateRealMdad() {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const dir = process.env.MATRIX_OOB_REAL_MDAD || join(root, '..', 'shared', 'mdad');
  const missing = REAL_MDAD_FILES.filter((f) => !existsSync(join(dir, f)));
  if (missing.length === 0) return { dir };
  return {
    reason: existsSync(dir)
      ? `${dir} lacks ${missing.join(', ')}`
      : `${dir} is absent (the real MDAD snapshot is only beside the development checkout; set MATRIX_OOB_REAL_MDAD to its folder)`,
  };
}
