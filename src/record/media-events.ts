import { type EncryptedFile, fetchMedia } from './media.js';
import type { RecordPaths } from './paths.js';
import type { RecorderSession } from './session.js';
import type { RecordStore } from './store.js';

const MEDIA_TYPES = new Set(['m.image', 'm.file', 'm.video', 'm.audio']);

/**
 * An attachment of a recorded message: downloaded once through authenticated media, checked
 * and decrypted (media.ts), and noted in the room's decrypted file, also when it fails. True
 * when a file was stored.
 */
export async function recordMedia(
  store: RecordStore,
  session: RecorderSession,
  paths: RecordPaths,
  roomId: string,
  eventId: string,
  content: Record<string, unknown>,
  done: Set<string>,
): Promise<boolean> {
  if (!MEDIA_TYPES.has(content.msgtype as string) || done.has(eventId)) return false;
  done.add(eventId);
  const file = content.file as EncryptedFile | undefined;
  const url = (file?.url ?? content.url) as string | undefined;
  if (typeof url !== 'string') return false;
  try {
    const m = await fetchMedia(session.homeserver, session.access_token, paths.media, {
      url,
      ...(file ? { file } : {}),
    });
    await store.addDecrypted(roomId, {
      kind: 'media',
      event_id: eventId,
      mxc: url,
      encrypted: !!file,
      ...m,
    });
    return true;
  } catch (err) {
    await store.addDecrypted(roomId, {
      kind: 'media',
      event_id: eventId,
      mxc: url,
      encrypted: !!file,
      error: (err as Error).message,
    });
  }
  return false;
}
