import { join } from 'node:path';
import * as wasm from '@matrix-org/matrix-sdk-crypto-wasm';
import { type ChainHead, ChainWriter } from '../case/chain.js';
import { UserError } from '../errors.js';
import { storedLines } from './store.js';

export interface ImportResult {
  keysImported: number;
  decrypted: number;
  still: number;
  heads: Record<string, ChainHead>;
}

/**
 * Decrypt a key export ("Export E2E room keys": passphrase-protected) into a throwaway in-memory
 * OlmMachine, then try every stored encrypted event of each room folder that has no decrypted
 * line yet; what decrypts is appended to that room's decrypted.jsonl (via "import").
 */
export async function decryptStored(
  exportText: string,
  passphrase: string,
  userId: string,
  roomDirs: string[],
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
  for (const dir of roomDirs) {
    const readable = new Set<string>();
    for await (const l of storedLines(join(dir, 'decrypted.jsonl'))) {
      if (l.kind === 'decrypted') readable.add(l.event_id as string);
    }
    let writer: ChainWriter | undefined;
    for await (const l of storedLines(join(dir, 'events.jsonl'))) {
      const event = l.event as Record<string, unknown> | undefined;
      const roomId = l.room_id as string | undefined;
      if (!event || !roomId || event.type !== 'm.room.encrypted' || readable.has(event.event_id as string))
        continue;
      try {
        const d = await machine.decryptRoomEvent(JSON.stringify(event), new wasm.RoomId(roomId), settings);
        const clear = JSON.parse(d.event) as { type: string; content: unknown };
        writer ??= await ChainWriter.open(join(dir, 'decrypted.jsonl'));
        await writer.append({
          kind: 'decrypted',
          event_id: event.event_id,
          type: clear.type,
          content: clear.content,
          via: 'import',
        });
        readable.add(event.event_id as string);
        result.decrypted += 1;
      } catch {
        result.still += 1;
      }
    }
    if (writer) {
      await writer.flush();
      result.heads[writer.path] = writer.head;
    }
  }
  machine.close();
  return result;
}
