import { EventEmitter, getEventListeners } from 'node:events';
import * as sdk from 'matrix-js-sdk';
import { nextSync } from '../../src/record/sync.js';

// The recorder's wait for the next sync (src/record/sync.ts): it runs for the whole incident,
// waiting again every few seconds, so each wait must leave no listener behind, and a sync
// error after a wait timed out must not become an unhandled rejection.
describe('nextSync', () => {
  const fakeClient = () => new EventEmitter() as unknown as sdk.MatrixClient & EventEmitter;

  it('settles on the next sync, and leaves no listener on the client or the stop signal', async () => {
    const client = fakeClient();
    const stop = new AbortController();
    const waiting = nextSync(client, false, 60_000, stop.signal);
    expect(client.listenerCount(sdk.ClientEvent.Sync)).toBe(1);
    client.emit(sdk.ClientEvent.Sync, sdk.SyncState.Syncing, null);
    await waiting;
    expect(client.listenerCount(sdk.ClientEvent.Sync)).toBe(0);
    expect(getEventListeners(stop.signal, 'abort')).toHaveLength(0);
  });

  it('after 100 waits that timed out, nothing is left; a later sync error rejects nothing', async () => {
    const client = fakeClient();
    const stop = new AbortController();
    const unhandled: unknown[] = [];
    const onUnhandled = (r: unknown) => unhandled.push(r);
    process.on('unhandledRejection', onUnhandled);
    try {
      for (let i = 0; i < 100; i++) await nextSync(client, true, 1, stop.signal);
      expect(client.listenerCount(sdk.ClientEvent.Sync)).toBe(0);
      expect(getEventListeners(stop.signal, 'abort')).toHaveLength(0);
      client.emit(sdk.ClientEvent.Sync, sdk.SyncState.Error, null, { error: new Error('sync failed') });
      await new Promise((r) => setTimeout(r, 20));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('with failOnError, a sync error while waiting rejects with it; stop ends the wait at once', async () => {
    const client = fakeClient();
    const failing = nextSync(client, true, 60_000);
    client.emit(sdk.ClientEvent.Sync, sdk.SyncState.Error, null, { error: new Error('sync failed') });
    await expect(failing).rejects.toThrow('sync failed');
    const stop = new AbortController();
    const stopped = nextSync(client, false, 60_000, stop.signal);
    stop.abort();
    await stopped;
    expect(client.listenerCount(sdk.ClientEvent.Sync)).toBe(0);
  });
});
