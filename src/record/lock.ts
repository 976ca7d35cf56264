import { ensurePrivateDir } from '../adapters/files.js';
import { acquireLockFile } from '../case/lock.js';
import { recordPaths } from './paths.js';

/**
 * One writer of a case's record at a time (`record/record.lock`): a running recorder, or a
 * `record --import-keys`, each appending to the rooms' hash-chained files. Two at once would
 * fork a chain (two lines with the same seq) and share one device's crypto store. The case
 * lock is not used: the recorder runs for the whole incident, beside deploys and user changes.
 */
export async function lockRecord(caseRoot: string, command: string): Promise<() => Promise<void>> {
  const paths = recordPaths(caseRoot);
  await ensurePrivateDir(paths.root);
  return acquireLockFile(paths.lock, command, "this case's record");
}
