import * as sdk from 'matrix-js-sdk';

type RawEvent = Record<string, unknown>;
const PAGE = 100;

/**
 * Where a room's record left off: pages back (/rooms/{id}/messages) from the newest event until
 * an event that was stored before the current live timeline began (`live` holds that timeline's
 * IDs), or the room's first event. Returns the missing events themselves when they all came in the
 * first page; otherwise only the token to replay them forward from (null: the room's first
 * event), so that a long gap is never held in memory at once.
 */
async function findGap(
  client: sdk.MatrixClient,
  roomId: string,
  live: ReadonlySet<string | undefined>,
  stored: (eventId: string) => Promise<boolean>,
): Promise<{ missing: number; firstPage?: RawEvent[]; replayFrom: string | null }> {
  let token: string | null = null;
  let missing = 0;
  const firstPage: RawEvent[] = [];
  for (let page = 0; ; page++) {
    const res = await client.createMessagesRequest(roomId, token, PAGE, sdk.Direction.Backward);
    let met = false;
    for (const raw of res.chunk as unknown as RawEvent[]) {
      const id = raw.event_id as string;
      if (await stored(id)) {
        if (!live.has(id)) {
          met = true;
          break;
        }
      } else {
        missing += 1;
        if (page === 0) firstPage.push(raw);
      }
    }
    const end = res.end ?? null;
    if (met || !end) {
      // Page 0 alone: its missing events are in hand, newest first.
      if (page === 0) return { missing, firstPage: firstPage.reverse(), replayFrom: null };
      // Forward from this page's end token replays this page (stored events are skipped) onwards.
      return { missing, replayFrom: met ? end : null };
    }
    token = end;
  }
}

/**
 * Replays a room forward from `from`, handing every event not stored to `add` in order, until the
 * live timeline (which the sync stores) or the newest event. Returns how many `add` stored.
 */
async function replayForward(
  client: sdk.MatrixClient,
  roomId: string,
  from: string | null,
  live: ReadonlySet<string | undefined>,
  stored: (eventId: string) => Promise<boolean>,
  add: (raw: RawEvent) => Promise<boolean>,
): Promise<number> {
  let token = from;
  let added = 0;
  for (;;) {
    const res = await client.createMessagesRequest(roomId, token, PAGE, sdk.Direction.Forward);
    const chunk = res.chunk as unknown as RawEvent[];
    for (const raw of chunk) {
      const id = raw.event_id as string;
      if (live.has(id)) return added;
      if (await stored(id)) continue;
      // The live sync may store it meanwhile (its timeline can grow while this runs): count only
      // what this replay stored.
      if (await add(raw)) added += 1;
    }
    if (!res.end || chunk.length === 0 || res.end === token) return added;
    token = res.end;
  }
}

/**
 * Page back in every room whose live timeline starts with an event not met before (a new room,
 * a restart, a limited sync) to where the record left off, then store what is missing, oldest
 * first. A gap longer than one page is replayed forward page by page, never held whole.
 */
export async function fillGaps(
  client: sdk.MatrixClient,
  done: Map<string, string>,
  sink: {
    has(roomId: string, eventId: string): Promise<boolean>;
    /** Stores one event; false if it was stored meanwhile (by the live sync). */
    add(roomId: string, raw: RawEvent): Promise<boolean>;
    note(roomId: string, events: number): Promise<void>;
  },
): Promise<void> {
  for (const room of client.getRooms()) {
    if (room.getMyMembership() !== 'join') continue;
    const events = room.getLiveTimeline().getEvents();
    const first = events[0]?.getId();
    if (!first || done.get(room.roomId) === first) continue;
    done.set(room.roomId, first);
    const live = new Set(events.map((e) => e.getId()));
    const stored = (id: string) => sink.has(room.roomId, id);
    const add = (raw: RawEvent) => sink.add(room.roomId, raw);
    const gap = await findGap(client, room.roomId, live, stored);
    if (gap.missing === 0) continue;
    let added = 0;
    if (gap.firstPage) {
      for (const raw of gap.firstPage) if (await add(raw)) added += 1;
    } else added = await replayForward(client, room.roomId, gap.replayFrom, live, stored, add);
    if (added > 0) await sink.note(room.roomId, added);
  }
}
