import { readdir, rm, rmdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { exists } from '../adapters/files.js';
import type { CasePaths } from '../case/paths.js';
import type { LocalItem } from './plan.js';

/**
 * Remove the case's local secrets (the items of the plan), then the host_vars folders they
 * leave empty. Files are unlinked, not overwritten: on SSDs and journaling file systems
 * overwriting gives no guarantee (docs/teardown.md). Returns what was removed.
 */
export async function removeLocalSecrets(items: readonly LocalItem[], paths: CasePaths): Promise<string[]> {
  const removed: string[] = [];
  for (const item of items) {
    await rm(item.path, { recursive: true, force: true });
    removed.push(item.path);
  }
  // inventory/host_vars/matrix.<domain>/ (each server's) and inventory/host_vars/, when empty.
  for (const item of items) {
    if (item.path.endsWith('/vars.yml') && dirname(dirname(item.path)) === dirname(paths.hostVarsDir)) {
      if (await isEmptyDir(dirname(item.path))) await rmdir(dirname(item.path));
    }
  }
  for (const dir of [paths.hostVarsDir, dirname(paths.hostVarsDir)]) {
    if (!(await exists(dir))) continue; // already removed above
    if (!(await isEmptyDir(dir))) break;
    await rmdir(dir);
  }
  return removed;
}

async function isEmptyDir(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch {
    return false;
  }
}
