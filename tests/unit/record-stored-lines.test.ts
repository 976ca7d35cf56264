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
});
