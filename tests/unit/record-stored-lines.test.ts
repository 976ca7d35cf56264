import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChainWriter, chainLine } from '../../src/case/chain.js';
import { recordPaths, roomFiles } from '../../src/record/paths.js';
import { RecordStore, storedLines } from '../../src/record/store.js';
import { loadRooms } from '../../src/transcript/model.js';

// Record files read back (transcript, --import-keys, a restart): an edited line that is valid
// JSON but not an object is skipped like a broken one, never a crash (record verify names it).
describe('stored lines of an edited record file', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'matrix-oob-lines-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('skips lines that are not JSON objects; the transcript and the store still read the rest', async () => {
    const paths = recordPaths(dir);
    const room = '!r:example.com';
    const files = roomFiles(paths, room);
    const ev = await ChainWriter.open(files.events);
    const dec = await ChainWriter.open(files.decrypted);
    const event = (id: string, type: string) => ({
      room_id: room,
      event: {
        event_id: id,
        type,
        sender: '@a:example.com',
        origin_server_ts: 1,
        content: { msgtype: 'm.text', body: id },
      },
    });
    ev.add(event('$1', 'm.room.message'));
    ev.add(event('$2', 'm.room.encrypted'));
    dec.add({ kind: 'decrypted', event_id: '$2', type: 'm.room.message', content: { body: 'clear' } });
    await ev.flush();
    await dec.flush();
    for (const f of [files.events, files.decrypted]) await appendFile(f, 'null\n[1]\n"x"\n7\nnot json\n');
    // Then a line that is chained again (the store only appends after an intact last line).
    await appendFile(files.events, `${chainLine(event('$3', 'm.room.message'), ev.head).line}\n`);
    const later = { kind: 'undecryptable', event_id: '$9', code: 'X', reason: 'y' };
    await appendFile(files.decrypted, `${chainLine(later, dec.head).line}\n`);

    const read: Record<string, unknown>[] = [];
    for await (const l of storedLines(files.events)) read.push(l);
    expect(read.map((l) => (l.event as { event_id: string }).event_id)).toEqual(['$1', '$2', '$3']);
    const [t] = await loadRooms(paths);
    expect(t?.items.map((i) => [i.event_id, i.body])).toEqual([
      ['$1', '$1'],
      ['$2', 'clear'],
      ['$3', '$3'],
    ]);
    const store = new RecordStore(paths);
    expect(await store.has(room, '$3')).toBe(true);
    expect(await store.isReadable(room, '$2')).toBe(true);
  });

  it('a retry of unread stored events offers only those of an earlier run, never one this run stored', async () => {
    const paths = recordPaths(dir);
    const room = '!r:example.com';
    const encrypted = (id: string) => ({
      event_id: id,
      type: 'm.room.encrypted',
      sender: '@a:example.com',
      origin_server_ts: 1,
      content: { algorithm: 'm.megolm.v1.aes-sha2', ciphertext: id },
    });
    const earlier = new RecordStore(paths);
    expect(await earlier.addEvent(room, encrypted('$old'), 'sync')).toBe(true);
    await earlier.flush();

    const now = new RecordStore(paths);
    expect(await now.addEvent(room, encrypted('$old'), 'sync')).toBe(false);
    expect(await now.addEvent(room, encrypted('$new'), 'sync')).toBe(true);
    // On disk before the retry reads the file (a large first sync flushes while it is stored).
    await now.flush();
    const stored: string[] = [];
    for await (const l of storedLines(roomFiles(paths, room).events))
      stored.push((l.event as { event_id: string }).event_id);
    expect(stored).toEqual(['$old', '$new']);

    const offered: string[] = [];
    for await (const e of now.unreadStored(room)) offered.push(e.event_id as string);
    expect(offered).toEqual(['$old']);
    // The next run (a new store) offers both: neither has a decrypted line.
    const next: string[] = [];
    for await (const e of new RecordStore(paths).unreadStored(room)) next.push(e.event_id as string);
    expect(next).toEqual(['$old', '$new']);
  });
});
