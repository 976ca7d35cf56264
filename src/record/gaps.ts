import * as sdk from 'matrix-js-sdk';

/**
 * The events of a room the recorder has not stored, oldest first: pages back from the newest
 * event (/rooms/{id}/messages), skipping what is stored, until an event that was stored before
 * the current live timeline began (`live` holds that timeline's IDs), or the room's first event.
 */
export async function missingEvents(
  client: sdk.MatrixClient,
  roomId: string,
  live: ReadonlySet<string | undefined>,
  stored: (eventId: string) => Promise<boolean>,
): Promise<Record<string, unknown>[]> {
  let token: string | null = null;
  const missing: Record<string, unknown>[] = [];
  for (let page = 0; page === 0 || token; page++) {
    const res = await client.createMessagesRequest(roomId, token, 100, sdk.Direction.Backward);
    let met = false;
    for (const raw of res.chunk as unknown as Record<string, unknown>[]) {
      const id = raw.event_id as string;
      if (await stored(id)) {
        if (!live.has(id)) {
          met = true;
          break;
        }
      } else missing.push(raw);
    }
    token = met ? null : (res.end ?? null);
  }
  return missing.reverse();
}
