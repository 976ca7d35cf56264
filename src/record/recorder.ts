import * as sdk from 'matrix-js-sdk';
import { ensurePrivateDir } from '../adapters/files.js';
import { journal } from '../case/journal.js';
import { Redactor } from '../secrets/redact.js';
import { saveSnapshot } from './crypto-store.js';
import { fillGaps } from './gaps.js';
import { bootstrapKeys, waitForBackup } from './keys.js';
import { recordMedia } from './media-events.js';
import { caseRelative, type RecordPaths, recordPaths } from './paths.js';
import {
  REDACTED_FIRST,
  type RecorderOptions,
  type RecorderStatus,
  type RecorderSummary,
} from './recorder-types.js';
import type { RecorderSession } from './session.js';
import { signIn } from './sign-in.js';
import { RecordStore, recordedRooms } from './store.js';
import { cryptoClient, markUndecryptable, nextSync, serverWords } from './sync.js';

/** The recorder: one device, one sync loop, everything it sees appended to the case record. */
export class Recorder {
  readonly paths: RecordPaths;
  readonly store: RecordStore;
  private client: sdk.MatrixClient | undefined;
  private session: RecorderSession | undefined;
  private readonly waiting = new Map<string, sdk.MatrixEvent>();
  private readonly mediaDone = new Set<string>();
  private readonly gapDone = new Map<string, string>();
  private readonly tasks = new Set<Promise<unknown>>();
  private readonly redactor: Redactor;
  private media = 0;
  private keysRestored = 0;
  private downtime: { from: string; to: string } | undefined;
  private lastHeads = '';

  constructor(private readonly opts: RecorderOptions) {
    this.paths = recordPaths(opts.caseRoot);
    this.store = new RecordStore(this.paths);
    this.redactor = new Redactor([opts.password]);
  }

  status(): RecorderStatus {
    return {
      rooms: this.client?.getRooms().filter((r) => r.getMyMembership() === 'join').length ?? 0,
      events: this.store.events,
      decrypted: this.store.decrypted,
      waiting: this.waiting.size,
      media: this.media,
    };
  }

  private note(entry: Record<string, unknown>): Promise<void> {
    return journal(this.opts.journalPath, { command: 'record', result: 'ok', ...entry }, this.redactor);
  }

  /** Log in, set up or restore keys, sync until stopped (or caught up with --once). */
  async run(): Promise<RecorderSummary> {
    const { opts, paths } = this;
    await ensurePrivateDir(paths.secrets);
    const previous = await this.store.readState();
    const now = new Date().toISOString();
    if (previous.last_alive) {
      this.downtime = { from: previous.last_alive, to: now };
      await this.note({
        stage: 'downtime',
        from: previous.last_alive,
        to: now,
        note: 'the recorder was not running: keys for messages sent then may be missing',
      });
    }
    const { session, resumed, secrets } = await signIn(paths, opts);
    this.session = session;
    this.redactor.add(session.access_token);
    const client = await cryptoClient(opts.baseUrl, session, secrets.storage_key, opts.quietSdk === true);
    this.client = client;
    this.listen(client);
    const firstSync = nextSync(client, this.opts.once);
    await client.startClient({ initialSyncLimit: 50, lazyLoadMembers: false });
    try {
      await firstSync;
      const keys = await bootstrapKeys(client, paths, secrets, opts.user, opts.password);
      this.keysRestored = keys.restored;
      await this.saveStore();
      await this.note({
        stage: 'start',
        device_id: session.device_id,
        device: resumed ? 'resumed' : 'new',
        keys: keys.action,
        keys_restored: keys.restored,
      });
      opts.log(
        `recorder ${session.user_id} on ${resumed ? 'its' : 'a new'} device ${session.device_id}: ${keys.action === 'created' ? 'cross-signing and key backup set up' : `${keys.restored} room keys restored from its backup`}`,
      );
      await this.retryStored();
      await this.catchUp(client);
      if (!opts.once) await this.loop(client);
      return await this.finish(client);
    } finally {
      client.stopClient();
    }
  }

  private async saveStore(): Promise<void> {
    await saveSnapshot(this.paths.cryptoStore, 'matrix-js-sdk');
  }

  private listen(client: sdk.MatrixClient): void {
    client.on(sdk.RoomEvent.Timeline, (event, room) => {
      if (room) this.track(this.onEvent(room.roomId, event.event as Record<string, unknown>, 'sync'));
    });
    client.on(sdk.RoomEvent.MyMembership, (room, membership) => {
      if (membership === 'invite') this.track(this.join(client, room.roomId));
    });
  }

  private track(p: Promise<unknown>): void {
    const t = p.catch((err: unknown) => this.opts.log(`warning: ${serverWords(err, this.redactor)}`));
    this.tasks.add(t);
    void t.finally(() => this.tasks.delete(t));
  }

  private async join(client: sdk.MatrixClient, roomId: string): Promise<void> {
    await client.joinRoom(roomId);
    await this.note({ stage: 'join', room_id: roomId });
    this.opts.log(`joined ${roomId}`);
  }

  /**
   * Store one event as received; decrypt an encrypted one on its own (a copy outside the SDK's
   * timelines, so a later edit or redaction does not change what is recorded as said).
   */
  private async onEvent(
    roomId: string,
    source: Record<string, unknown>,
    from: 'sync' | 'gap',
  ): Promise<boolean> {
    const id = source.event_id as string | undefined;
    if (!id || id.startsWith('~')) return false;
    const raw = JSON.parse(JSON.stringify(source)) as Record<string, unknown>;
    if (!(await this.store.addEvent(roomId, raw, from))) return false;
    if (raw.type !== 'm.room.encrypted') {
      await this.maybeMedia(roomId, id, (raw.content ?? {}) as Record<string, unknown>);
      return true;
    }
    if ((raw.unsigned as { redacted_because?: unknown } | undefined)?.redacted_because) {
      // The server prunes a redacted event: its ciphertext was gone before the recorder saw it.
      await this.store.addDecrypted(roomId, {
        kind: 'undecryptable',
        event_id: id,
        code: REDACTED_FIRST,
        reason: 'redacted before the recorder received it: the server no longer serves its content',
      });
      return true;
    }
    await this.decrypt(roomId, raw, 'live');
    return true;
  }

  /**
   * Decrypt a copy of a stored event; its decrypted line is written once it can be read, also
   * when its key comes later in this run. A new event waits (and is marked undecryptable at the
   * stop); one stored by an earlier run already has its undecryptable line.
   */
  private async decrypt(roomId: string, raw: Record<string, unknown>, via: 'live' | 'backup'): Promise<void> {
    const event = new sdk.MatrixEvent({ ...JSON.parse(JSON.stringify(raw)), room_id: roomId });
    if (via === 'live') this.waiting.set(event.getId() as string, event);
    event.on(sdk.MatrixEventEvent.Decrypted, () => this.track(this.onDecrypted(roomId, event, via)));
    await (this.client as sdk.MatrixClient).decryptEventIfNeeded(event);
  }

  /**
   * The stored encrypted events an earlier run could not read, in every recorded room (also one
   * the recorder has left): tried again with the keys this device holds now (sent to it after
   * the event, or restored from its key backup). Events of this run are not among them.
   */
  private async retryStored(): Promise<void> {
    for (const roomId of await recordedRooms(this.paths)) {
      for await (const raw of this.store.unreadStored(roomId)) await this.decrypt(roomId, raw, 'backup');
    }
  }

  private async onDecrypted(roomId: string, event: sdk.MatrixEvent, via: 'live' | 'backup'): Promise<void> {
    const id = event.getId() as string;
    if (event.isDecryptionFailure() || event.isBeingDecrypted()) return;
    this.waiting.delete(id);
    if (await this.store.isReadable(roomId, id)) return;
    await this.store.addDecrypted(roomId, {
      kind: 'decrypted',
      event_id: id,
      type: event.getType(),
      content: event.getContent(),
      via,
    });
    await this.maybeMedia(roomId, id, event.getContent());
  }

  private async maybeMedia(roomId: string, eventId: string, content: Record<string, unknown>): Promise<void> {
    const session = this.session as RecorderSession;
    const stored = await recordMedia(
      this.store,
      session,
      this.paths,
      roomId,
      eventId,
      content,
      this.mediaDone,
    );
    if (stored) this.media += 1;
  }

  private fillGaps(client: sdk.MatrixClient): Promise<void> {
    return fillGaps(client, this.gapDone, {
      has: (roomId, id) => this.store.has(roomId, id),
      add: (roomId, raw) => this.onEvent(roomId, raw, 'gap'),
      note: (roomId, events) => this.note({ stage: 'gap-fill', room_id: roomId, events }),
    });
  }

  private async catchUp(client: sdk.MatrixClient): Promise<void> {
    // Invites seen in the first sync, then whatever joining brings in.
    for (const room of client.getRooms()) {
      if (room.getMyMembership() === 'invite') this.track(this.join(client, room.roomId));
    }
    const deadline = Date.now() + 30_000;
    let graceUntil = 0;
    for (let round = 0; Date.now() < deadline; round++) {
      await this.drain();
      await this.fillGaps(client);
      await this.drain();
      await this.store.flush();
      const invites = client.getRooms().some((r) => r.getMyMembership() === 'invite');
      const pendingDecrypt = [...this.waiting.values()].some((e) => e.isBeingDecrypted());
      // A key can arrive a sync after its message: give messages still unreadable a few seconds.
      if (this.waiting.size === 0) graceUntil = 0;
      else graceUntil ||= Date.now() + 4000;
      if (round > 0 && !invites && !pendingDecrypt && (this.waiting.size === 0 || Date.now() > graceUntil))
        break;
      await nextSync(client, this.opts.once, 2000);
    }
  }

  private async drain(): Promise<void> {
    while (this.tasks.size > 0) await Promise.all([...this.tasks]);
  }

  private async loop(client: sdk.MatrixClient): Promise<void> {
    const every = this.opts.checkpointMs ?? 60_000;
    let last = Date.now();
    while (!this.opts.signal.aborted) {
      await nextSync(client, this.opts.once, 5000, this.opts.signal);
      await this.drain();
      await this.fillGaps(client);
      await this.drain();
      await this.store.flush();
      if (Date.now() - last >= every) {
        await this.checkpoint();
        last = Date.now();
      }
    }
  }

  private async checkpoint(): Promise<Record<string, { seq: number; hash: string }>> {
    await this.store.flush();
    const heads = await this.store.heads((p) => caseRelative(this.opts.caseRoot, p));
    const key = JSON.stringify(heads);
    if (key !== this.lastHeads) {
      await this.note({ stage: 'checkpoint', heads });
      this.lastHeads = key;
    }
    await this.saveStore();
    await this.store.writeState({ last_alive: new Date().toISOString() });
    return heads;
  }

  private async finish(client: sdk.MatrixClient): Promise<RecorderSummary> {
    await this.drain();
    // Whatever still cannot be read is marked, with the SDK's reason.
    const undecryptable = await markUndecryptable(this.store, this.waiting);
    await waitForBackup(client);
    const heads = await this.checkpoint();
    await this.note({
      stage: 'stop',
      reason: this.opts.signal.aborted ? 'interrupted' : 'caught up (--once)',
      undecryptable,
    });
    const s = this.session as RecorderSession;
    return {
      ...this.status(),
      user_id: s.user_id,
      device_id: s.device_id,
      keys_restored: this.keysRestored,
      ...(this.downtime ? { downtime: this.downtime } : {}),
      undecryptable,
      heads,
    };
  }
}
