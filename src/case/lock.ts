import { randomBytes } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { link, open, readFile, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { ensurePrivateDir, exists, fileError } from '../adapters/files.js';
import { UserError } from '../errors.js';
import { alive, refuseOrphans, sweepDeadTemp } from './leftovers.js';

/**
 * One command per case at a time: `<case>/.lock` (0600), created exclusively, holds who works
 * on the case. Another matrix-oob that finds it stops at once, naming the holder. A lock whose
 * holder is dead (killed, crashed, power loss) is taken over: of several commands that find
 * the same dead lock only one takes it (see takeOver).
 *
 * Taking the lock also cleans up after a holder that died: its temporary secret files in
 * `<case>/.tmp/` are removed, and an ansible-playbook it left running on the case (an orphan:
 * it runs on after a SIGKILL of matrix-oob) stops the command until it is gone.
 */
export interface LockInfo {
  pid: number;
  command: string;
  since: string;
  host: string;
}

export const LOCK_FILE = '.lock';

function parseLock(text: string): LockInfo | undefined {
  try {
    const d = JSON.parse(text) as Partial<LockInfo>;
    if (typeof d.pid === 'number' && typeof d.command === 'string' && typeof d.since === 'string')
      return { pid: d.pid, command: d.command, since: d.since, host: d.host ?? '' };
  } catch {
    // a lock half-written by a process killed at that moment
  }
  return undefined;
}

// Locks this process holds (released at exit, even on an uncaught error).
const held = new Map<string, string>();
let exitHook = false;
function releaseAtExit(): void {
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => {
    for (const [file, content] of held) {
      try {
        if (readFileSync(file, 'utf8') === content) unlinkSync(file);
      } catch {
        // already gone
      }
    }
  });
}

/** The live holder of a lock file, or undefined when there is none or it is dead. */
async function liveHolder(file: string): Promise<{ info?: LockInfo; text: string } | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw fileError(err, file, 'read');
  }
  const info = parseLock(text);
  if (info) {
    const sameHost = info.host === '' || info.host === hostname();
    // On another host (a shared folder) we cannot tell: treat it as live.
    if (!sameHost || alive(info.pid)) return { info, text };
    return undefined;
  }
  // Unreadable: live if written in the last few seconds (someone is writing it now).
  const age = Date.now() - (await stat(file)).mtimeMs;
  return age < 5000 ? { text } : undefined;
}

/** A lock held by another process (what withWaitingLock waits out; any other error is final). */
class LockBusyError extends UserError {}

function busy(info: LockInfo | undefined, file: string, what: string): UserError {
  const who = info
    ? `another matrix-oob, pid ${info.pid}${info.host && info.host !== hostname() ? ` on ${info.host}` : ''}, running \`${info.command}\` since ${info.since}, is working on ${what}`
    : `another matrix-oob is starting on ${what}`;
  return new LockBusyError(who, {
    hint: `wait for it to finish and run the command again. If that process is gone for good, remove ${file}.`,
  });
}

/**
 * Take the lock file `file` for `command` (created exclusively, 0600, naming this process); a
 * dead holder's lock is taken over (takeOver). A live holder stops the command with who it is
 * (`what` is what it works on), unless `shared(holder)` says this process may work beside it:
 * then the release does nothing. Returns the release, which removes the file only if it is
 * still this process's (and at exit too, even after an uncaught error).
 */
export async function acquireLockFile(
  file: string,
  command: string,
  what: string,
  shared: (holder: LockInfo) => boolean = () => false,
): Promise<() => Promise<void>> {
  const info: LockInfo = { pid: process.pid, command, since: new Date().toISOString(), host: hostname() };
  const content = `${JSON.stringify(info)}\n`;
  for (let attempt = 0; attempt < 50; attempt++) {
    if (await createExclusive(file, content)) {
      held.set(file, content);
      releaseAtExit();
      return async () => {
        held.delete(file);
        try {
          if ((await readFile(file, 'utf8')) === content) await unlink(file);
        } catch {
          // already gone
        }
      };
    }
    const holder = await liveHolder(file);
    if (holder?.info && shared(holder.info)) return async () => {};
    if (holder) throw busy(holder.info, file, what);
    await takeOver(file);
  }
  throw busy(undefined, file, what);
}

/**
 * Run `fn` holding the lock file `lock` (acquireLockFile), for short work on a shared file (a
 * journal append, a state update): a live holder is waited for, up to 10 s.
 */
export async function withWaitingLock<T>(
  lock: string,
  command: string,
  what: string,
  fn: () => Promise<T>,
): Promise<T> {
  await ensurePrivateDir(dirname(lock));
  const deadline = Date.now() + 10_000;
  let release: () => Promise<void>;
  for (;;) {
    try {
      release = await acquireLockFile(lock, command, what);
      break;
    } catch (err) {
      if (!(err instanceof LockBusyError) || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
    }
  }
  try {
    return await fn();
  } finally {
    await release();
  }
}

/**
 * Take the case's lock for `command`; returns the release function. Re-entrant within one
 * process (`up` runs `deploy`): a nested call returns a release that does nothing.
 */
export async function acquireCaseLock(root: string, command: string): Promise<() => Promise<void>> {
  const file = join(root, LOCK_FILE);
  if (held.has(file)) return async () => {};
  // No case here: nothing to lock (the command reports the missing case itself).
  if (!(await exists(join(root, 'matrix-oob.yml')))) return async () => {};
  // A hook of the holder running matrix-oob again (it inherits MATRIX_OOB_LOCK_PID): nested.
  const nested = (holder: LockInfo) => String(holder.pid) === process.env.MATRIX_OOB_LOCK_PID;
  const unlock = await acquireLockFile(file, command, 'this case', nested);
  if (!held.has(file)) return unlock;
  process.env.MATRIX_OOB_LOCK_PID = String(process.pid);
  const release = async () => {
    delete process.env.MATRIX_OOB_LOCK_PID;
    await unlock();
  };
  try {
    await sweepDeadTemp(root);
    await refuseOrphans(root, file);
  } catch (err) {
    await release();
    throw err;
  }
  return release;
}

/**
 * Create `file` with `content` unless it exists (false then). The content is written to a
 * private temporary file first and hard-linked into place, so the lock never exists empty: a
 * racing command always reads who holds it.
 */
async function createExclusive(file: string, content: string): Promise<boolean> {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const handle = await open(tmp, 'wx', 0o600);
    try {
      await handle.writeFile(content, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await link(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw fileError(err, file, 'create the lock');
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

/**
 * Remove a dead holder's lock. Takeovers are serialised by a second exclusive file
 * (`.lock.takeover`): only its creator looks at the lock again and removes it, and only if it
 * is still the dead one, so a live lock is never touched. A takeover file whose creator died
 * (killed in these few milliseconds) is removed by the next command.
 */
async function takeOver(file: string): Promise<void> {
  const mutex = `${file}.takeover`;
  const mine = `${JSON.stringify({ pid: process.pid, command: 'takeover', since: new Date().toISOString(), host: hostname() })}\n`;
  if (!(await createExclusive(mutex, mine))) {
    const other = parseLock(await readFile(mutex, 'utf8').catch(() => ''));
    if (!other || !alive(other.pid)) await unlink(mutex).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 20 + Math.random() * 30));
    return;
  }
  try {
    if (!(await liveHolder(file))) await unlink(file).catch(() => undefined);
  } finally {
    await unlink(mutex).catch(() => undefined);
  }
}

/** Run `fn` holding the case's lock (acquireCaseLock), released however `fn` ends. */
export async function withCaseLock<T>(root: string, command: string, fn: () => Promise<T>): Promise<T> {
  const release = await acquireCaseLock(root, command);
  try {
    return await fn();
  } finally {
    await release();
  }
}
