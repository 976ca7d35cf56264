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

/**
 * Page back in every room whose live timeline starts with an event not met before (a new room,
 * a restart, a limited sync): from the newest event backwards, skipping what is stored, until
 * an event stored before this timeline began (or the room's first event).
 */
export async function fillGaps(
  client: sdk.MatrixClient,
  done: Map<string, string>,
  sink: {
    has(roomId: string, eventId: string): Promise<boolean>;
    add(roomId: string, raw: Record<string, unknown>): Promise<void>;
    note(roomId: string, events: number): Promise<void>;
  },
): Promise<void> {
  for (const room of client.getRooms()) {
    if (room.getMyMembership() !== 'join') continue;
    const live = room.getLiveTimeline().getEvents();
    const first = live[0]?.getId();
    if (!first || done.get(room.roomId) === first) continue;
    done.set(room.roomId, first);
    const liveIds = new Set(live.map((e) => e.getId()));
    const missing = await missingEvents(client, room.roomId, liveIds, (id) => sink.has(room.roomId, id));
    if (missing.length === 0) continue;
    for (const raw of missing) await sink.add(room.roomId, raw);
    await sink.note(room.roomId, missing.length);
  }
}
