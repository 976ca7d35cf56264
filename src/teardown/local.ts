import { open, rm, rmdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { listFiles, syncDir } from '../adapters/files.js';
import type { CasePaths } from '../case/paths.js';
import type { Redactor } from '../secrets/redact.js';
import type { LocalItem } from './plan.js';

/**
 * Remove the case's local secrets (the items of the plan), then the whole
 * inventory/host_vars folder (whatever else is in it: a backup or swap file of vars.yml is a
 * copy of the secrets). Files are unlinked, not overwritten: on SSDs and journaling file
 * systems overwriting gives no guarantee (docs/teardown.md). Returns what was removed.
 */
export async function removeLocalSecrets(items: readonly LocalItem[], paths: CasePaths): Promise<string[]> {
  const removed: string[] = [];
  for (const item of items) {
    await rm(item.path, { recursive: true, force: true });
    removed.push(item.path);
  }
  const hostVars = dirname(paths.hostVarsDir);
  await rm(hostVars, { recursive: true, force: true });
  // inventory/ itself stays (the inventory file is the case record); sync it so the removal
  // survives a power loss.
  await syncDir(paths.inventoryDir).catch(() => undefined);
  await rmdir(hostVars).catch(() => undefined);
  return removed;
}

/** Read at most this much of one file for the scan, in pieces (logs can be large). */
const CHUNK = 1 << 20;

/** Whether `file` holds a known secret in any form (read in overlapping pieces). */
async function fileHolds(file: string, redactor: Redactor, overlap: number): Promise<boolean> {
  let handle: import('node:fs/promises').FileHandle;
  try {
    handle = await open(file, 'r');
  } catch {
    return false;
  }
  try {
    const buf = Buffer.alloc(CHUNK + overlap);
    let carry = '';
    for (;;) {
      const { bytesRead } = await handle.read(buf, 0, CHUNK, null);
      if (bytesRead === 0) return false;
      const text = carry + buf.subarray(0, bytesRead).toString('utf8');
      if (redactor.finds(text)) return true;
      carry = text.slice(-overlap);
    }
  } finally {
    await handle.close();
  }
}

/**
 * Every file of the case folder, except `skip` (paths of files or folders: the playbook
 * checkout, what is about to be removed) and git data, that holds a known secret value in any
 * form the redactor knows. Teardown says "removed" only when this is empty.
 */
export async function scanForSecrets(
  root: string,
  redactor: Redactor,
  skip: readonly string[],
): Promise<string[]> {
  if (redactor.size === 0) return [];
  const overlap = Math.max(...redactor.values.map((v) => v.length)) * 12;
  const found: string[] = [];
  for (const file of await listFiles(root, { skip })) {
    if (await fileHolds(file, redactor, overlap)) found.push(file);
  }
  return found.sort();
}
