import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import type { E2eeHomeserver } from '../helpers/e2ee-homeserver.js';
import { bump, sessionKey } from '../helpers/e2ee-state.js';
import { type Participant, waitFor } from '../helpers/participant.js';
import { RECORDER_ID, recordReaders, startRecordCase, stopRecordCase } from '../helpers/record-case.js';

// A room key that reaches the recorder only after a run stored its message as undecryptable:
// the next run decrypts the stored message (the built CLI, real matrix-js-sdk, test homeserver).
describe.each([
  ['while it is still in the room', false],
  ['from a room it was removed from since', true],
])('matrix-oob record: a key that comes after its message, %s', (_, removed) => {
  let hs: E2eeHomeserver;
  let alice: Participant;
  let kase: { dir: string; cleanup(): Promise<void> };
  let roomId: string;
  const { journal, lines, said } = recordReaders(() => kase.dir);
  const record = (...args: string[]) =>
    runCli(['--case', kase.dir, ...args], { env: { MATRIX_OOB_RECORD_URL: hs.url } });

  beforeAll(async () => {
    ({ hs, alice, kase, roomId } = await startRecordCase());
  }, 60_000);

  afterAll(() => stopRecordCase({ hs, alice, kase }));

  it('a later run decrypts a stored message whose key arrived after that message was marked undecryptable', async () => {
    expect((await record('record', '--once')).exitCode).toBe(0);
    const c = alice.client;
    await waitFor(() => c.getRoom(roomId)?.getMember(RECORDER_ID)?.membership === 'join', 'recorder joined');
    await waitFor(async () => {
      const devices = await c.getCrypto()!.getUserDeviceInfo([RECORDER_ID], true);
      return (devices.get(RECORDER_ID)?.size ?? 0) > 0;
    }, "alice knows the recorder's device");
    const session = JSON.parse(
      readFileSync(join(kase.dir, 'record', 'recorder', 'session.json'), 'utf8'),
    ) as { device_id: string };
    const key = sessionKey({ userId: RECORDER_ID, deviceId: session.device_id });
    // Every to-device message to the recorder (the room key, any answer to a key request) is held back.
    const held: { pos: number; event: Record<string, unknown> }[] = [];
    const steal = () => {
      held.push(...(hs.state.toDevice.get(key) ?? []));
      hs.state.toDevice.delete(key);
    };
    const thief = setInterval(steal, 2);
    try {
      await c.sendMessage(roomId, { msgtype: 'm.text', body: 'the key comes late' } as never);
      await waitFor(() => held.length > 0, 'the room key to the recorder was sent (and held)');
      const r = await record('record', '--once');
      expect(r.exitCode).toBe(0);
    } finally {
      clearInterval(thief);
      steal();
    }
    expect(said('the key comes late')).toBeUndefined();
    const marked = lines('decrypted.jsonl').filter((d) => d.kind === 'undecryptable');
    expect(marked).toHaveLength(1);
    const id = marked[0]?.event_id as string;
    expect(lines('events.jsonl').filter((e) => e.event.event_id === id)).toHaveLength(1);

    if (removed) {
      // Alice removes the recorder: the room is no longer in its sync, only in the record.
      await c.sendStateEvent(roomId, 'm.room.member' as never, { membership: 'leave' } as never, RECORDER_ID);
      await waitFor(
        () => c.getRoom(roomId)?.getMember(RECORDER_ID)?.membership === 'leave',
        'recorder removed',
      );
    }
    // The key is delivered now; the message is not sent again, so only the stored copy can be read.
    for (const m of held)
      hs.state.toDevice.set(key, [...(hs.state.toDevice.get(key) ?? []), { ...m, pos: bump(hs.state) }]);
    const r = await record('--json', 'record', '--once');
    expect(r.exitCode).toBe(0);
    expect(said('the key comes late')).toMatchObject({ kind: 'decrypted', event_id: id, via: 'backup' });
    // Its earlier mark stays (the record is append-only); no second one is added.
    expect(lines('decrypted.jsonl').filter((d) => d.kind === 'undecryptable')).toHaveLength(1);
    expect(lines('events.jsonl').filter((e) => e.event.event_id === id)).toHaveLength(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ decrypted: 1, undecryptable: 0, rooms: removed ? 0 : 1 });
    expect(journal().filter((j) => j.stage === 'stop')).toHaveLength(3);
    expect((await record('record', 'verify')).exitCode).toBe(0);
  }, 180_000);
});
