import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { exists } from '../adapters/files.js';
import { installIndexedDb, loadSnapshot } from './crypto-store.js';
import type { RecordPaths } from './paths.js';
import type { RecorderOptions } from './recorder-types.js';
import {
  login,
  logoutQuietly,
  type RecorderSecrets,
  type RecorderSession,
  readJson,
  whoami,
  writeSecretJson,
} from './session.js';

/**
 * The same device as last time when its token still works and its crypto store snapshot is
 * there; otherwise log the old device out and log in a new one (which then restores keys from
 * the backup). The storage key of the crypto store is made once and kept in secrets.json.
 */
export async function signIn(
  paths: RecordPaths,
  { baseUrl, user, password, urlFrom }: Pick<RecorderOptions, 'baseUrl' | 'user' | 'password' | 'urlFrom'>,
): Promise<{ session: RecorderSession; resumed: boolean; secrets: RecorderSecrets }> {
  await installIndexedDb();
  let secrets = await readJson<RecorderSecrets>(
    paths.secretsFile,
    "restore it from a backup: it holds the recorder's keys (cross-signing, key backup, crypto store key).",
  );
  if (!secrets) secrets = { user_id: '', storage_key: randomBytes(32).toString('base64') };
  const saved = await readJson<RecorderSession>(
    paths.session,
    `move it aside (mv ${paths.session} ${paths.session}.damaged): the recorder then logs in a new device and restores its keys from the backup.`,
  );
  if (saved && saved.homeserver === baseUrl && (await exists(paths.cryptoStore))) {
    const me = await whoami(baseUrl, saved.access_token, urlFrom);
    if (me?.user_id === saved.user_id && me.device_id === saved.device_id) {
      await loadSnapshot(paths.cryptoStore);
      return { session: saved, resumed: true, secrets };
    }
  }
  if (saved) await logoutQuietly(saved.homeserver, saved.access_token);
  await rm(paths.cryptoStore, { force: true });
  const r = await login(baseUrl, user, password, urlFrom);
  const session: RecorderSession = { homeserver: baseUrl, ...r };
  await writeSecretJson(paths.session, session);
  if (secrets.user_id !== r.user_id) secrets = { user_id: r.user_id, storage_key: secrets.storage_key };
  await writeSecretJson(paths.secretsFile, secrets);
  return { session, resumed: false, secrets };
}
