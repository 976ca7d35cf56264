import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import * as sdk from 'matrix-js-sdk';
import { logger } from 'matrix-js-sdk/lib/logger.js';
import { installCryptoCompat } from '../../src/record/crypto-compat.js';

/**
 * A real Matrix client for tests: matrix-js-sdk with its Rust crypto (WebAssembly), logged in
 * to a test homeserver, syncing. Messages it sends to an encrypted room are really encrypted.
 */
export interface Participant {
  client: sdk.MatrixClient;
  userId: string;
  stop(): Promise<void>;
}

// The SDK logs every request at debug level; tests want quiet.
(logger as unknown as { setLevel(l: string): void }).setLevel('warn');

export async function startParticipant(
  baseUrl: string,
  user: string,
  password: string,
): Promise<Participant> {
  const login = sdk.createClient({ baseUrl });
  const r = await login.loginRequest({
    type: 'm.login.password',
    identifier: { type: 'm.id.user', user },
    password,
    initial_device_display_name: `test ${user}`,
  });
  const client = sdk.createClient({
    baseUrl,
    userId: r.user_id,
    deviceId: r.device_id,
    accessToken: r.access_token,
  });
  installCryptoCompat();
  await client.initRustCrypto({ useIndexedDB: false });
  const ready = new Promise<void>((resolve) => {
    client.on(sdk.ClientEvent.Sync, (state) => {
      if (state === 'PREPARED' || state === 'SYNCING') resolve();
    });
  });
  await client.startClient({ initialSyncLimit: 20 });
  await ready;
  // Like an Element user who set up Secure Backup: the account is cross-signed.
  await client.getCrypto()?.bootstrapCrossSigning({
    setupNewCrossSigning: true,
    authUploadDeviceSigningKeys: async (makeRequest) => {
      await makeRequest(null);
    },
  });
  return {
    client,
    userId: r.user_id,
    stop: async () => {
      client.stopClient();
    },
  };
}

/** Wait until `check` holds, polling; fails with `what` after `ms`. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  what: string,
  ms = 20_000,
): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** An encrypted attachment as Element makes it: AES-CTR-256, 64-bit counter, SHA-256 of the ciphertext. */
export function encryptAttachment(plain: Buffer): { data: Buffer; file: Record<string, unknown> } {
  const key = randomBytes(32);
  const iv = Buffer.concat([randomBytes(8), Buffer.alloc(8)]);
  const c = createCipheriv('aes-256-ctr', key, iv);
  const data = Buffer.concat([c.update(plain), c.final()]);
  const b64 = (b: Buffer) => b.toString('base64').replace(/=+$/, '');
  return {
    data,
    file: {
      v: 'v2',
      key: {
        kty: 'oct',
        key_ops: ['encrypt', 'decrypt'],
        alg: 'A256CTR',
        k: key.toString('base64url'),
        ext: true,
      },
      iv: b64(iv),
      hashes: { sha256: b64(createHash('sha256').update(data).digest()) },
    },
  };
}
