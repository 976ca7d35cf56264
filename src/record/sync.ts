import * as sdk from 'matrix-js-sdk';
import { logger as sdkLogger } from 'matrix-js-sdk/lib/logger.js';
import { installCryptoCompat, routeSdkConsole } from './crypto-compat.js';
import type { RecorderSession } from './session.js';
import type { RecordStore } from './store.js';

/** The recorder's SDK client and small pieces of its sync loop (src/record/recorder.ts). */

/** The next completed sync; with failOnError (--once) a sync error rejects instead of retrying. */
export function nextSync(client: sdk.MatrixClient, failOnError: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const on = (state: sdk.SyncState, _prev: unknown, data?: { error?: Error }) => {
      if (state === sdk.SyncState.Prepared || state === sdk.SyncState.Syncing) {
        client.off(sdk.ClientEvent.Sync, on);
        resolve();
      } else if (state === sdk.SyncState.Error && data?.error && failOnError) {
        client.off(sdk.ClientEvent.Sync, on);
        reject(data.error);
      }
    };
    client.on(sdk.ClientEvent.Sync, on);
  });
}

/** Mark every event still unreadable, with the SDK's reason; how many there were. */
export async function markUndecryptable(
  store: RecordStore,
  waiting: ReadonlyMap<string, sdk.MatrixEvent>,
): Promise<number> {
  let undecryptable = 0;
  for (const [id, ev] of waiting) {
    const roomId = ev.getRoomId() as string;
    if (await store.isReadable(roomId, id)) continue;
    undecryptable += 1;
    await store.addDecrypted(roomId, {
      kind: 'undecryptable',
      event_id: id,
      code: String(ev.decryptionFailureReason ?? 'UNKNOWN_ERROR'),
      reason: String(ev.getContent().body ?? 'no key for this message'),
    });
  }
  return undecryptable;
}

/** The SDK client of the recorder's device, its Rust crypto initialised on the kept store. */
export async function cryptoClient(
  baseUrl: string,
  session: Pick<RecorderSession, 'user_id' | 'device_id' | 'access_token'>,
  storageKey: string,
  quietSdk: boolean,
): Promise<sdk.MatrixClient> {
  (sdkLogger as unknown as { setLevel(l: string): void }).setLevel(process.env.MATRIX_OOB_SDK_LOG ?? 'error');
  installCryptoCompat();
  const client = sdk.createClient({
    baseUrl: baseUrl,
    userId: session.user_id,
    deviceId: session.device_id,
    accessToken: session.access_token,
  });
  if (quietSdk) routeSdkConsole();
  await client.initRustCrypto({
    useIndexedDB: true,
    storageKey: Buffer.from(storageKey, 'base64'),
  });
  if (quietSdk) routeSdkConsole();
  return client;
}
