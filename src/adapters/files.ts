import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** Case folders and their subfolders are private to the operator. */
export const DIR_MODE = 0o700;
/** Every file in a case folder: secrets or not, the case is need-to-know. */
export const FILE_MODE = 0o600;

/** Create a folder (and parents) with mode 0700; tighten an existing folder to 0700. */
export async function ensurePrivateDir(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: DIR_MODE });
  await chmod(path, DIR_MODE);
}

/**
 * Write a file atomically: a temporary file in the same folder (created 0600 from the start,
 * so a secret is never readable by others, not even for a moment), fsync, then rename over the
 * target. A crash or Ctrl-C leaves either the old file or the new one, never half of one.
 */
export async function writeFileAtomic(
  path: string,
  content: string | Uint8Array,
  mode = FILE_MODE,
): Promise<void> {
  const dir = dirname(path);
  await ensurePrivateDir(dir);
  const tmp = join(dir, `.matrix-oob-tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  const handle = await open(tmp, 'wx', mode);
  try {
    await handle.writeFile(content);
    await handle.chmod(mode);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Append one line (journal.jsonl), creating the file 0600. */
export async function appendLine(path: string, line: string): Promise<void> {
  await ensurePrivateDir(dirname(path));
  const handle = await open(path, 'a', FILE_MODE);
  try {
    await handle.writeFile(`${line}\n`, 'utf8');
  } finally {
    await handle.close();
  }
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

export async function readIfExists(path: string): Promise<string | undefined> {
  const { readFile } = await import('node:fs/promises');
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
