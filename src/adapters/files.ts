import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { chmod, type FileHandle, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { FailureError, UserError } from '../errors.js';

/** Case folders and their subfolders are private to the operator. */
export const DIR_MODE = 0o700;
/** Every file in a case folder: secrets or not, the case is need-to-know. */
export const FILE_MODE = 0o600;

/**
 * A file-system error on a case path as the user's problem: one line naming the path and what
 * is wrong with it (a folder where a file belongs, no permission...), never a stack trace.
 * Errors without a path or of other kinds are returned as they are.
 */
export function fileError(err: unknown, path: string, action: string, shown?: string): unknown {
  const e = err as NodeJS.ErrnoException & { dest?: string };
  // `shown`: the file the user knows (not the temporary file it is written through); a rename
  // names its target.
  const p = shown ?? e?.dest ?? e?.path ?? path;
  const why: Record<string, string> = {
    EISDIR: 'it is a folder, where a file belongs',
    ENOTDIR: 'a part of the path is a file, where a folder belongs',
    EEXIST: 'something is already there, where a folder belongs',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'the file system is read-only',
    ENOSPC: 'no space left on the device',
    ELOOP: 'too many symbolic links',
    ENAMETOOLONG: 'the name is too long',
  };
  const reason = e?.code ? why[e.code] : undefined;
  if (!reason) return err;
  const message = `cannot ${action} ${p}: ${reason} (${e.code})`;
  if (e.code === 'ENOSPC' || e.code === 'EROFS')
    return new FailureError(message, {
      hint: 'free some space or fix the file system, then run the command again.',
    });
  return new UserError(message, {
    hint:
      e.code === 'EACCES' || e.code === 'EPERM'
        ? `run matrix-oob as the user who owns the case folder, or fix the permissions of ${p}.`
        : `move ${p} aside (it is not what matrix-oob wrote there), then run the command again.`,
    exitCode: 2,
  });
}

/** Create a folder (and parents) with mode 0700; tighten an existing folder to 0700. */
export async function ensurePrivateDir(path: string): Promise<void> {
  try {
    await mkdir(path, { recursive: true, mode: DIR_MODE });
    await chmod(path, DIR_MODE);
  } catch (err) {
    throw fileError(err, path, 'create the folder');
  }
}

/**
 * fsync a folder, so a rename or a new entry in it survives a power loss (the rename itself
 * is only durable once the folder is synced).
 */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Write a file atomically: a temporary file in the same folder (created 0600 from the start,
 * so a secret is never readable by others, not even for a moment), fsync, then rename over the
 * target. A crash or Ctrl-C leaves either the old file or the new one, never half of one.
 */
export async function writeFileAtomic(
  path: string,
  content: string | Uint8Array,
  options: { mode?: number; privateDir?: boolean } = {},
): Promise<void> {
  const mode = options.mode ?? FILE_MODE;
  const dir = dirname(path);
  // A folder of the case is made 0700; one the user named (transcript -o) is left as it is.
  if (options.privateDir !== false) await ensurePrivateDir(dir);
  const tmp = join(dir, `.matrix-oob-tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  const handle = await openOrFail(tmp, 'wx', mode, 'write', path);
  try {
    await handle.writeFile(content);
    await handle.chmod(mode);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await rm(tmp, { force: true });
    throw fileError(err, path, 'write', path);
  }
  await handle.close();
  try {
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw fileError(err, path, 'write', path);
  }
  // Without this, a power loss can undo the rename: the old file (or none) comes back.
  await syncDir(dir);
}

/** Open a file to write (created with mode), or a file error naming it (or `shown`) and what we tried to do. */
async function openOrFail(
  path: string,
  flags: string,
  mode: number,
  action: string,
  shown?: string,
): Promise<FileHandle> {
  try {
    return await open(path, flags, mode);
  } catch (err) {
    throw fileError(err, path, action, shown);
  }
}

/** Append `text` to a file, creating it 0600 in a 0700 folder; with `sync`, fsync it too. */
export async function appendText(path: string, text: string, sync: boolean): Promise<void> {
  await ensurePrivateDir(dirname(path));
  const handle = await openOrFail(path, 'a', FILE_MODE, 'append to');
  try {
    await handle.writeFile(text, 'utf8');
    if (sync) await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw fileError(err, path, 'look at');
  }
}

export async function readIfExists(path: string): Promise<string | undefined> {
  const { readFile } = await import('node:fs/promises');
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw fileError(err, path, 'read');
  }
}

/**
 * Every regular file under `root`, depth first, sorted per folder; folders named in `skip`
 * (absolute paths) and `.git` are not entered, and unreadable folders are passed over. `depth`
 * limits how many folder levels below `root` are entered.
 */
export function listFilesSync(
  root: string,
  options: { skip?: readonly string[]; depth?: number } = {},
): string[] {
  const out: string[] = [];
  const skip = options.skip ?? [];
  const walk = (dir: string, depth: number): void => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, e.name);
      if (skip.includes(path)) continue;
      if (e.isDirectory()) {
        if (e.name !== '.git' && depth > 0) walk(path, depth - 1);
      } else if (e.isFile() || e.isSymbolicLink()) out.push(path);
    }
  };
  walk(root, options.depth ?? Number.POSITIVE_INFINITY);
  return out;
}

/** listFilesSync for async callers (a case folder is small: one synchronous walk is fine). */
export async function listFiles(
  root: string,
  options: { skip?: readonly string[]; depth?: number } = {},
): Promise<string[]> {
  return listFilesSync(root, options);
}
