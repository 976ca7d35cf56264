import * as sdk from 'matrix-js-sdk';
import { logger as sdkLogger } from 'matrix-js-sdk/lib/logger.js';
import { FailureError } from '../errors.js';
import type { Redactor } from '../secrets/redact.js';
import { untrusted } from '../watch/sanitize.js';
import { installCryptoCompat, routeSdkConsole } from './crypto-compat.js';
import type { RecorderSession } from './session.js';
import type { RecordStore } from './store.js';

/** The recorder's SDK client and small pieces of its sync loop (src/record/recorder.ts). */

/**
 * The next completed sync, or `ms` passing, or `stop` aborting, whichever comes first; its
 * listeners and timer are removed as it settles (a loop that waits again and again leaves none
 * behind). With failOnError (--once) a sync error rejects instead of waiting for a retry.
 */
export function nextSync(
  client: sdk.MatrixClient,
  failOnError: boolean,
  ms = Number.POSITIVE_INFINITY,
  stop?: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const settle = (err?: Error) => {
      client.off(sdk.ClientEvent.Sync, on);
      stop?.removeEventListener('abort', onAbort);
      clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    };
    const onAbort = () => settle();
    const on = (state: sdk.SyncState, _prev: unknown, data?: { error?: Error }) => {
      if (state === sdk.SyncState.Prepared || state === sdk.SyncState.Syncing) settle();
      else if (state === sdk.SyncState.Error && data?.error && failOnError) settle(data.error);
    };
    client.on(sdk.ClientEvent.Sync, on);
    if (stop?.aborted) return settle();
    stop?.addEventListener('abort', onAbort, { once: true });
    if (Number.isFinite(ms)) timer = setTimeout(() => settle(), ms);
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

/**
 * An error of the SDK's HTTP layer (the server answered with an error, or could not be reached)
 * as one line naming the server, its words sanitised and secrets masked; anything else as it is.
 */
export function homeserverFailure(err: unknown, baseUrl: string, redactor: Redactor): unknown {
  if (!(err instanceof sdk.MatrixError || err instanceof sdk.HTTPError || err instanceof sdk.ConnectionError))
    return err;
  return new FailureError(
    `the homeserver at ${baseUrl} failed during the recording: ${serverWords(err, redactor)}`,
    {
      hint: 'check the server ("matrix-oob verify") and run "matrix-oob record" again: what was stored is kept, and the next run fills the gap.',
    },
  );
}

/** An error's message, which quotes the server (via the SDK): one printable line, secrets masked. */
export function serverWords(err: unknown, redactor: Redactor): string {
  return untrusted(redactor.redact(String((err as Error | undefined)?.message ?? err)), 300);
}
