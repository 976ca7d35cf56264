import type * as sdk from 'matrix-js-sdk';
import { fillGaps } from '../../src/record/gaps.js';

// Gap filling's bookkeeping (src/record/gaps.ts) against an in-memory room: which events it
// stores, in what order, and what it journals. The live sync runs beside it: events it stores
// while the fill is under way must be neither stored twice nor counted as filled.
type Raw = Record<string, unknown>;

const ids = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `ev${from + i}`);

/** A room of `total` events ev0.., whose live timeline holds the newest `live` of them. */
function fakeRoom(total: number, live: number) {
  const events: Raw[] = Array.from({ length: total }, (_, i) => ({
    event_id: `ev${i}`,
    type: 'm.room.message',
  }));
  const timeline = events.slice(total - live).map((e) => ({ getId: () => e.event_id as string }));
  const room = {
    roomId: '!r:test',
    getMyMembership: () => 'join',
    getLiveTimeline: () => ({ getEvents: () => timeline }),
  };
  // Tokens are positions: backward pages go from the newest down, forward pages up.
  const client = {
    getRooms: () => [room],
    createMessagesRequest: async (_roomId: string, from: string | null, limit: number, dir: string) => {
      const at = from === null ? (dir === 'b' ? total : 0) : Number(from);
      if (dir === 'b') {
        const start = Math.max(0, at - limit);
        const chunk = events.slice(start, at).reverse();
        return { chunk, end: start > 0 ? String(start) : undefined };
      }
      const end = Math.min(total, at + limit);
      return { chunk: events.slice(at, end), end: String(end) };
    },
  } as unknown as sdk.MatrixClient;
  return { client, liveIds: timeline.map((t) => t.getId()) };
}

/**
 * A store that already holds the room's first `storedBefore` events and its live timeline (the
 * sync stored those). The live sync stores each of `lateLive` after the fill asked whether it was
 * stored and before the fill stores it (the race between the two loops).
 */
function fakeSink(storedBefore: number, liveIds: string[], lateLive: string[] = []) {
  const stored: { id: string; from: 'gap' | 'sync' }[] = [];
  for (const id of [...ids(0, storedBefore), ...liveIds]) stored.push({ id, from: 'sync' });
  const has = (id: string) => stored.some((s) => s.id === id);
  const notes: number[] = [];
  const sink = {
    has: async (_room: string, id: string) => has(id),
    add: async (_room: string, raw: Raw) => {
      const id = raw.event_id as string;
      // The sync got there between the fill's question and its store.
      if (lateLive.includes(id) && !has(id)) stored.push({ id, from: 'sync' });
      if (has(id)) return false;
      stored.push({ id, from: 'gap' });
      return true;
    },
    note: async (_room: string, events: number) => {
      notes.push(events);
    },
  };
  return { sink, stored, notes };
}

describe('fillGaps', () => {
  it('stores a gap of one page from that page, oldest first, and journals how many', async () => {
    const { client, liveIds } = fakeRoom(60, 20);
    const { sink, stored, notes } = fakeSink(10, liveIds);
    await fillGaps(client, new Map(), sink);
    expect(stored.filter((s) => s.from === 'gap').map((s) => s.id)).toEqual(ids(10, 40));
    expect(notes).toEqual([30]);
  });

  it('replays a gap longer than a page forward, in order, up to the live timeline', async () => {
    const { client, liveIds } = fakeRoom(300, 20);
    const { sink, stored, notes } = fakeSink(5, liveIds);
    await fillGaps(client, new Map(), sink);
    expect(stored.filter((s) => s.from === 'gap').map((s) => s.id)).toEqual(ids(5, 280));
    expect(notes).toEqual([275]);
  });

  it('counts only what it stored when the live sync stores some of the same events meanwhile', async () => {
    // The timeline the fill saw held only the newest 12; the sync stores the 8 before them
    // (ev280..287) while the fill is under way: not stored twice, not counted as filled.
    const { client, liveIds } = fakeRoom(300, 12);
    const { sink, stored, notes } = fakeSink(5, liveIds, ids(280, 288));
    await fillGaps(client, new Map(), sink);
    const gap = stored.filter((s) => s.from === 'gap').map((s) => s.id);
    expect(gap).toEqual(ids(5, 280));
    expect(new Set(stored.map((s) => s.id)).size).toBe(stored.length);
    expect(notes).toEqual([275]);
  });

  it('the same race inside a one-page gap: counted as stored, not as handed over', async () => {
    const { client, liveIds } = fakeRoom(60, 12);
    const { sink, stored, notes } = fakeSink(10, liveIds, ids(40, 48));
    await fillGaps(client, new Map(), sink);
    const gap = stored.filter((s) => s.from === 'gap').map((s) => s.id);
    expect(gap).toEqual(ids(10, 40));
    expect(notes).toEqual([30]);
  });

  it('does nothing for a timeline already handled, or when nothing is missing', async () => {
    const { client, liveIds } = fakeRoom(60, 20);
    const done = new Map([['!r:test', 'ev40']]);
    const first = fakeSink(10, liveIds);
    await fillGaps(client, done, first.sink);
    expect(first.notes).toEqual([]);
    const second = fakeSink(60, liveIds);
    await fillGaps(client, new Map(), second.sink);
    expect(second.notes).toEqual([]);
  });
});
