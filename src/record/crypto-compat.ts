import * as wasm from '@matrix-org/matrix-sdk-crypto-wasm';
import { untrusted } from '../watch/sanitize.js';

type Machine = object;
type Counts = Map<string, number>;

/** The server's one-time-key stock as this process last heard it, per OlmMachine. */
const knownCounts = new WeakMap<Machine, Counts>();

/**
 * matrix-js-sdk 37.5.0 (the newest for Node 20) expects crypto-wasm 14. We override crypto-wasm
 * to 18.9.0 (fixes CVE-2026-45056), which differs in two ways this shim hides from the SDK.
 * Remove it with the override once matrix-js-sdk >= 37.6 (Node 22) is used.
 *
 * 1. OlmMachine.receiveSyncChanges returned a JSON string of the decrypted to-device messages;
 *    18.x returns objects, and the SDK then fails every /sync that carries to-device messages
 *    ("Unexpected end of JSON input"). The shim gives the SDK the old shape.
 * 2. The SDK calls receiveSyncChanges up to three times per /sync, twice with an empty
 *    one-time-key count map (it has no count for the to-device and device-list parts). Since
 *    crypto-wasm 18.5.0 an empty map means "the server holds no one-time keys", so the device
 *    generates and uploads 50 more on almost every sync (matrix-js-sdk issue 5501): the server's
 *    stock grows without bound, the private halves of older keys are evicted (a peer that claims
 *    one can never open an Olm session to the recorder, so its room keys never arrive), and every
 *    crypto store write gets slower. The shim passes the last count the server reported (from a
 *    /sync or a keys upload) in place of the empty map; with none known yet it passes it through.
 *    A /sync that itself reports no count (it then also gives the fallback-key types) still
 *    means zero.
 */
export function installCryptoCompat(): void {
  const proto = wasm.OlmMachine.prototype as unknown as Record<string, unknown> & {
    __matrixOobCompat?: true;
  };
  if (proto.__matrixOobCompat) return;
  const receive = proto.receiveSyncChanges as (...args: unknown[]) => Promise<unknown>;
  proto.receiveSyncChanges = async function (this: Machine, ...args: unknown[]): Promise<string> {
    const counts = args[2];
    if (counts instanceof Map) {
      const known = knownCounts.get(this);
      // The SDK's own call with the /sync counts also passes the fallback-key types (args[3]);
      // its to-device and device-list calls pass neither: only those have "no count to give".
      const noCountGiven = counts.size === 0 && args[3] === undefined;
      if (!noCountGiven) knownCounts.set(this, new Map(counts as Counts));
      else if (known) args[2] = new Map(known);
    }
    return toDeviceJson(await receive.apply(this, args));
  };
  const markSent = proto.markRequestAsSent as (...args: unknown[]) => Promise<unknown>;
  proto.markRequestAsSent = function (this: Machine, ...args: unknown[]): Promise<unknown> {
    if (args[1] === wasm.RequestType.KeysUpload && typeof args[2] === 'string') {
      const counts = uploadCounts(args[2]);
      if (counts) knownCounts.set(this, counts);
    }
    return markSent.apply(this, args);
  };
  proto.__matrixOobCompat = true;
}

/** The one_time_key_counts of a /keys/upload response, or undefined when it has none. */
export function uploadCounts(responseJson: string): Counts | undefined {
  try {
    const counts = (JSON.parse(responseJson) as { one_time_key_counts?: unknown }).one_time_key_counts;
    if (!counts || typeof counts !== 'object') return undefined;
    const entries = Object.entries(counts).filter(
      (e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1]),
    );
    return entries.length > 0 ? new Map(entries) : undefined;
  } catch {
    return undefined;
  }
}

function toDeviceJson(result: unknown): string {
  if (typeof result === 'string') return result;
  const keep = new Set([
    wasm.ProcessedToDeviceEventType.Decrypted,
    wasm.ProcessedToDeviceEventType.PlainText,
  ]);
  return JSON.stringify(
    (result as { type: number; rawEvent: string }[])
      .filter((e) => keep.has(e.type))
      .map((e) => JSON.parse(e.rawEvent)),
  );
}

/**
 * The SDK and its crypto log through console.debug/info/log, which go to stdout: in the recorder's
 * own process they would break `--json`. Quiet them (or send them to stderr with
 * MATRIX_OOB_SDK_LOG=debug, for a bug report); warnings and errors stay on stderr. They quote
 * what the server said: each goes out as one printable line (no terminal controls).
 */
export function routeSdkConsole(): void {
  const debug = process.env.MATRIX_OOB_SDK_LOG === 'debug';
  const line = (args: unknown[]) => process.stderr.write(`${untrusted(args.map(String).join(' '), 2000)}\n`);
  const toStderr = (...args: unknown[]) => {
    if (debug) line(args);
  };
  console.debug = toStderr;
  console.info = toStderr;
  console.log = toStderr;
  console.warn = (...args: unknown[]) => line(args);
  console.error = (...args: unknown[]) => line(args);
  if (!debug) new wasm.Tracing(wasm.LoggerLevel.Warn).turnOn();
}
