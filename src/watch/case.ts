import { exists, readIfExists } from '../adapters/files.js';
import { journal } from '../case/journal.js';
import type { CasePaths } from '../case/paths.js';
import type { Config } from '../config/schema.js';
import { UserError } from '../errors.js';
import { pinnedKeys } from '../ssh/known-hosts.js';
import type { SshTarget } from '../ssh/target.js';
import { Detector } from './detect.js';
import { untrusted } from './sanitize.js';
import { readWatchState, stateFile, withWatchStateLock, writeWatchState } from './store.js';

/** The case-level pieces of `watch` around a session: who is in the case, the SSH pin, --approve. */

/** Fails with a clear message when the case's known_hosts pins no key for the log source's host. */
export async function requirePinnedKey(paths: CasePaths, target: SshTarget): Promise<void> {
  const text = (await readIfExists(paths.knownHosts)) ?? '';
  if (pinnedKeys(text, target.host, target.port).length === 0) {
    throw new UserError(`no host key pinned for ${target.host} port ${target.port} in ${paths.knownHosts}`, {
      hint: 'pin it first with "matrix-oob trust-host --fingerprint SHA256:..." (or run watch --source state, which needs no SSH)',
    });
  }
}

export function caseUserIds(config: Pick<Config, 'users' | 'domain'>): string[] {
  return config.users.map((u) => `@${u.name}:${config.domain}`);
}

type Approved = { id: string; user: string; kind: string; was: string }[];

/**
 * Approve devices or addresses by ID (offline: only the state file changes), under the state
 * file's lock: a watch running in another terminal keeps the approval (it adopts it).
 */
export async function approveItems(
  loaded: { config: Config; paths: CasePaths },
  ids: readonly string[],
  now: Date = new Date(),
): Promise<Approved> {
  // Without a baseline there is nothing to approve: refused before the lock makes watch/.
  if (!(await exists(stateFile(loaded.paths)))) throw noBaseline();
  const changed = await withWatchStateLock(loaded.paths, () => approveLocked(loaded, ids, now));
  await journal(loaded.paths.journal, {
    command: 'watch',
    result: 'ok',
    event: 'approve',
    approved: changed.map((c) => ({ user: untrusted(c.user), [c.kind]: untrusted(c.id, 60), was: c.was })),
  });
  return changed;
}

async function approveLocked(
  loaded: { config: Config; paths: CasePaths },
  ids: readonly string[],
  now: Date,
): Promise<Approved> {
  const previous = await readWatchState(loaded.paths);
  if (!previous) throw noBaseline();
  const detector = new Detector(previous, caseUserIds(loaded.config), now);
  const changed: Approved = [];
  const missing: string[] = [];
  for (const id of ids) {
    const before = Object.values(detector.state.items)
      .filter((i) => i.id === id)
      .map((i) => ({ id, user: i.user, kind: i.kind, was: i.status }));
    if (detector.approve(id).length === 0) missing.push(id);
    changed.push(...before);
  }
  if (missing.length > 0) {
    throw new UserError(
      `--approve: ${missing.map((m) => JSON.stringify(untrusted(m, 60))).join(', ')} is not a device ID or address watch has seen`,
      { hint: 'copy the DEVICE or ADDRESS column of "matrix-oob watch --once" exactly; nothing was changed' },
    );
  }
  await writeWatchState(loaded.paths, detector.state);
  return changed;
}

function noBaseline(): UserError {
  return new UserError('no watch baseline in this case yet: nothing to approve', {
    hint: 'run "matrix-oob watch --once" first; it takes the baseline and lists every device and address',
  });
}
