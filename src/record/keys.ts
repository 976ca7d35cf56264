import type * as sdk from 'matrix-js-sdk';
import type { CryptoApi } from 'matrix-js-sdk/lib/crypto-api/index.js';
import type { RecordPaths } from './paths.js';
import { type RecorderSecrets, writeSecretJson } from './session.js';

export type KeysAction = 'created' | 'resumed' | 'restored';

/**
 * The recorder's keys. First run: cross-sign its own device (the first upload of cross-signing
 * keys needs no interactive auth since spec v1.11; the password is offered if the server asks),
 * create a server-side key backup, and keep the secrets bundle (cross-signing private keys and
 * the backup key) 0600 in record/recorder/secrets.json. A resumed device has all that in its
 * store. A new device (the store snapshot was lost) imports the bundle and cross-signs itself.
 * Every restart then restores the room keys from the backup.
 */
export async function bootstrapKeys(
  client: sdk.MatrixClient,
  paths: RecordPaths,
  secrets: RecorderSecrets,
  user: string,
  password: string,
): Promise<{ action: KeysAction; restored: number }> {
  const crypto = client.getCrypto();
  if (!crypto?.exportSecretsBundle || !crypto.importSecretsBundle)
    throw new Error('the crypto module lacks secrets bundles');
  const deviceId = client.getDeviceId() as string;
  let action: KeysAction;
  if (await crypto.isCrossSigningReady()) {
    action = 'resumed';
  } else if (secrets.secrets_bundle) {
    await crypto.importSecretsBundle(secrets.secrets_bundle as never);
    await waitForOwnDevice(crypto, client.getUserId() as string, deviceId);
    await crypto.crossSignDevice(deviceId);
    action = 'restored';
  } else {
    await crypto.bootstrapCrossSigning({
      setupNewCrossSigning: true,
      authUploadDeviceSigningKeys: async (makeRequest) => {
        try {
          await makeRequest(null);
        } catch (err) {
          const session = (err as { data?: { session?: string } }).data?.session;
          if (!session) throw err;
          await makeRequest({
            type: 'm.login.password',
            identifier: { type: 'm.id.user', user },
            password,
            session,
          } as never);
        }
      },
    });
    await crypto.resetKeyBackup();
    const info = await crypto.getKeyBackupInfo();
    await writeSecretJson(paths.secretsFile, {
      ...secrets,
      secrets_bundle: await crypto.exportSecretsBundle(),
      ...(info?.version ? { backup_version: info.version } : {}),
    } satisfies RecorderSecrets);
    return { action: 'created', restored: 0 };
  }
  const check = await crypto.checkKeyBackupAndEnable();
  if (!check?.backupInfo) return { action, restored: 0 };
  const result = await crypto.restoreKeyBackup();
  return { action, restored: result.imported };
}

async function waitForOwnDevice(crypto: CryptoApi, userId: string, deviceId: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const devices = await crypto.getUserDeviceInfo([userId], true);
    if (devices.get(userId)?.has(deviceId)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Give the key backup a moment to upload the keys received (a restart restores from it). */
export async function waitForBackup(client: sdk.MatrixClient): Promise<void> {
  const machine = (
    client.getCrypto() as unknown as {
      olmMachine?: { roomKeyCounts(): Promise<{ total: number; backedUp: number }> };
    }
  )?.olmMachine;
  if (!machine?.roomKeyCounts) return;
  const end = Date.now() + 10_000;
  while (Date.now() < end) {
    const c = await machine.roomKeyCounts();
    if (c.backedUp >= c.total) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}
