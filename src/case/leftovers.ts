import { readdirSync, readFileSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ensurePrivateDir } from '../adapters/files.js';
import { UserError } from '../errors.js';

/**
 * What a killed matrix-oob leaves in a case, and what taking the case lock cleans up: its
 * temporary secret files in `<case>/.tmp/`, and an ansible-playbook still running on the case.
 */

export const TMP_DIR = '.tmp';

/** Whether process `pid` exists on this machine. */
export function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Remove `<case>/.tmp/<name>-<pid>-*` left by processes that are dead. */
export async function sweepDeadTemp(root: string): Promise<string[]> {
  const dir = join(root, TMP_DIR);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const n of names) {
    const pid = Number(/-(\d+)-[^-]*$/.exec(n)?.[1]);
    if (pid === process.pid || alive(pid)) continue;
    await rm(join(dir, n), { recursive: true, force: true });
    removed.push(n);
  }
  return removed;
}

/** A private folder for this process's temporary secret files, inside the case. */
export async function caseTempDir(root: string): Promise<string> {
  const dir = join(root, TMP_DIR);
  await ensurePrivateDir(dir);
  return dir;
}

/** ansible-playbook processes whose command line names this case's inventory (Linux /proc). */
export function ansibleRunsOn(root: string): { pid: number; cmdline: string }[] {
  const marker = join(root, 'inventory', 'hosts');
  const out: { pid: number; cmdline: string }[] = [];
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return out;
  }
  for (const p of pids) {
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
      if (cmd.some((a) => /ansible-playbook$/.test(a)) && cmd.includes(marker))
        out.push({ pid: Number(p), cmdline: cmd.join(' ').trim() });
    } catch {
      // exited meanwhile, or not ours to read
    }
  }
  return out;
}

/** With the lock held, an ansible-playbook on this case can only be an orphan (or run by hand). */
export async function refuseOrphans(root: string, file: string): Promise<void> {
  const runs = ansibleRunsOn(root);
  if (runs.length === 0) return;
  throw new UserError(
    `ansible-playbook is still running on this case (pid ${runs.map((r) => r.pid).join(', ')}), with no matrix-oob in charge of it: probably left by a matrix-oob that was killed`,
    {
      details: runs.map((r) => `pid ${r.pid}: ${r.cmdline.slice(0, 200)}`),
      hint: `let it finish, or stop it (kill ${runs.map((r) => r.pid).join(' ')}), then run the command again; ${file} is free.`,
    },
  );
}
