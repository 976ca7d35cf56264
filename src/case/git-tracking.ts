import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Capture } from '../adapters/process.js';

/**
 * Whether a case folder would be tracked by git: it lies inside a git working tree that does not
 * ignore it (then `git add -A` commits vars.yml and credentials/). Returns the working tree's top
 * folder, or undefined (not in a working tree, ignored, or git is not installed).
 */
export async function trackingWorkTree(root: string, capture: Capture): Promise<string | undefined> {
  let dir = root;
  // The nearest folder that exists: the case folder may not be created yet.
  for (;;) {
    const s = await stat(dir).catch(() => undefined);
    if (s?.isDirectory()) break;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
  const top = await capture('git', ['-C', dir, 'rev-parse', '--show-toplevel'], { timeoutMs: 10_000 });
  if (top.notFound || top.exitCode !== 0) return undefined;
  // A file that every case holds and that carries secrets.
  const probe = join(root, 'inventory', 'host_vars', 'matrix', 'vars.yml');
  const ignored = await capture('git', ['-C', dir, 'check-ignore', '-q', '--no-index', probe], {
    timeoutMs: 10_000,
  });
  return ignored.exitCode === 1 ? top.stdout.trim() : undefined;
}

export function trackingWarning(root: string, top: string): string {
  return `the case folder ${root} is inside the git working tree ${top}, which does not ignore it: "git add" would commit its secrets (inventory vars.yml, credentials/). Keep cases outside the clone (e.g. matrix-oob init ~/cases/<domain>), or add the folder to ${join(top, '.gitignore')}.`;
}
