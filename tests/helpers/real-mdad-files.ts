import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './cli.js';

/** ../shared/mdad beside the project (the real MDAD for contract tests), or undefined when absent. */
export const REAL_MDAD: string | undefined = (() => {
  const dir = join(ROOT, '..', 'shared', 'mdad');
  return existsSync(join(dir, 'matrix-docker-ansible-deploy.git.tar.gz')) ? dir : undefined;
})();

/** The commit the shared snapshot holds (its README). */
export const PINNED_COMMIT_FOR_CONTRACT = 'c0681e4bc2d55df19056f3d3a7b997f9e7335890';
