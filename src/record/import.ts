import * as wasm from '@matrix-org/matrix-sdk-crypto-wasm';
import type { ChainHead } from '../case/chain.js';
import { UserError } from '../errors.js';
import type { RecordStore } from './store.js';

export interface ImportResult {
  keysImported: number;
  decrypted: number;
  still: number;
  heads: Record<string, ChainHead>;
}

/**
 * Decrypt a key export ("Export E2E room keys": passphrase-protected) into a throwaway in-memory
 * OlmMachine, then try every stored encrypted event of each room that has no decrypted line
 * yet; what decrypts is appended to that room's decrypted.jsonl (via "import").
 */
export async function decryptStored(
  exportText: string,
  passphrase: string,
  userId: string,
  store: RecordStore,
  roomIds: readonly string[],
): Promise<ImportResult> {
  await wasm.initAsync();
  let keys: string;
  try {
    keys = wasm.OlmMachine.decryptExportedRoomKeys(exportText, passphrase);
  } catch {
    throw new UserError('--import-keys: the passphrase is wrong, or the file is not a key export', {
      hint: 'use the passphrase chosen when exporting; the file starts with "-----BEGIN MEGOLM SESSION DATA-----".',
    });
  }
  const machine = await wasm.OlmMachine.initialize(
    new wasm.UserId(userId),
    new wasm.DeviceId('MATRIXOOBIMPORT'),
  );
  const imported = await machine.importExportedRoomKeys(keys, () => {});
  const result: ImportResult = { keysImported: imported.importedCount, decrypted: 0, still: 0, heads: {} };
  const settings = new wasm.DecryptionSettings(wasm.TrustRequirement.Untrusted);
  for (const roomId of roomIds) {
    for await (const event of store.unreadStored(roomId)) {
      try {
        const d = await machine.decryptRoomEvent(JSON.stringify(event), new wasm.RoomId(roomId), settings);
        const clear = JSON.parse(d.event) as { type: string; content: unknown };
        await store.addDecrypted(roomId, {
          kind: 'decrypted',
          event_id: event.event_id as string,
          type: clear.type,
          content: clear.content,
          via: 'import',
        });
        result.decrypted += 1;
      } catch {
        result.still += 1;
      }
    }
  }
  await store.flush();
  result.heads = await store.heads((p) => p);
  machine.close();
  return result;
}
