import * as wasm from '@matrix-org/matrix-sdk-crypto-wasm';

/**
 * matrix-js-sdk 37.5.0 (the newest for Node 20) expects crypto-wasm 14, whose
 * OlmMachine.receiveSyncChanges returned a JSON string of the decrypted to-device messages.
 * We override crypto-wasm to 18.9.0 (fixes CVE-2026-45056), which returns objects instead; the
 * SDK then fails every /sync that carries to-device messages ("Unexpected end of JSON input").
 * This shim gives the SDK the old shape: the decrypted and plain-text messages, as JSON. Remove it
 * with the override once matrix-js-sdk >= 37.6 (Node 22) is used.
 */
export function installCryptoCompat(): void {
  const proto = wasm.OlmMachine.prototype as unknown as Record<string, unknown> & {
    __matrixOobCompat?: true;
  };
  if (proto.__matrixOobCompat) return;
  const original = proto.receiveSyncChanges as (...args: unknown[]) => Promise<unknown>;
  proto.receiveSyncChanges = async function (this: unknown, ...args: unknown[]): Promise<string> {
    const result = await original.apply(this, args);
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
  };
  proto.__matrixOobCompat = true;
}

/**
 * The SDK and its crypto log through console.debug/info/log, which go to stdout: in the recorder's
 * own process they would break `--json`. Quiet them (or send them to stderr with
 * MATRIX_OOB_SDK_LOG=debug, for a bug report); warnings and errors stay on stderr.
 */
export function routeSdkConsole(): void {
  const debug = process.env.MATRIX_OOB_SDK_LOG === 'debug';
  const toStderr = (...args: unknown[]) => {
    if (debug) process.stderr.write(`${args.map(String).join(' ')}\n`);
  };
  console.debug = toStderr;
  console.info = toStderr;
  console.log = toStderr;
  if (!debug) new wasm.Tracing(wasm.LoggerLevel.Warn).turnOn();
}
