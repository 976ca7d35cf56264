import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { exists, writeFileAtomic } from '../adapters/files.js';
import { ChainWriter } from '../case/chain.js';
import { type RecordPaths, roomFiles } from './paths.js';
import { readJson } from './session.js';

/** A decrypted-file line: what one encrypted event said, or why it could not be read. */
export type DecryptedLine =
  | { kind: 'decrypted'; event_id: string; type: string; content: unknown; via: 'live' | 'backup' | 'import' }
  | { kind: 'undecryptable'; event_id: string; code: string; reason: string }
  | {
      kind: 'media';
      event_id: string;
      mxc: string;
      sha256?: string;
      size?: number;
      encrypted: boolean;
      error?: string;
    };

interface RoomWriters {
  events: ChainWriter;
  decrypted: ChainWriter;
}

/** record/state.json: where the recorder stopped, to journal its downtime on the next start. */
export interface RecordState {
  last_alive?: string;
  clean_stop?: boolean;
}

/**
 * The recorder's files: per room, events.jsonl (every event as received, encrypted form kept) and
 * decrypted.jsonl (what encrypted events said, by event ID). Both are hash-chained and only
 * appended to. Event IDs already stored are skipped, so a restart or a gap fill never stores an
 * event twice.
 */
export class RecordStore {
  private readonly rooms = new Map<string, Promise<RoomWriters>>();
  private readonly seen = new Map<string, Set<string>>();
  /** Event IDs that have a decrypted (or media) line, per room. */
  private readonly readable = new Map<string, Set<string>>();
  /** Event IDs this store added (this run): decrypted live, never retried as an earlier run's. */
  private readonly addedNow = new Set<string>();
  events = 0;
  decrypted = 0;

  constructor(readonly paths: RecordPaths) {}

  /** Opened once per room; concurrent callers share the same opening (one writer per file). */
  private room(roomId: string): Promise<RoomWriters> {
    let w = this.rooms.get(roomId);
    if (!w) {
      w = this.open(roomId);
      this.rooms.set(roomId, w);
    }
    return w;
  }

  private async open(roomId: string): Promise<RoomWriters> {
    const files = roomFiles(this.paths, roomId);
    const w = {
      events: await ChainWriter.open(files.events),
      decrypted: await ChainWriter.open(files.decrypted),
    };
    this.seen.set(roomId, await idsIn(files.events, (v) => (v.event as { event_id?: string })?.event_id));
    this.readable.set(
      roomId,
      await idsIn(files.decrypted, (v) => (v.kind === 'decrypted' ? (v.event_id as string) : undefined)),
    );
    return w;
  }

  async has(roomId: string, eventId: string): Promise<boolean> {
    await this.room(roomId);
    return this.seen.get(roomId)?.has(eventId) ?? false;
  }

  async isReadable(roomId: string, eventId: string): Promise<boolean> {
    await this.room(roomId);
    return this.readable.get(roomId)?.has(eventId) ?? false;
  }

  /** Store an event as received; false if it was stored before. */
  async addEvent(roomId: string, event: Record<string, unknown>, source: 'sync' | 'gap'): Promise<boolean> {
    const w = await this.room(roomId);
    const id = event.event_id as string;
    const seen = this.seen.get(roomId) as Set<string>;
    if (seen.has(id)) return false;
    seen.add(id);
    this.addedNow.add(id);
    this.events += 1;
    await w.events.append({ received_at: new Date().toISOString(), source, room_id: roomId, event });
    return true;
  }

  async addDecrypted(roomId: string, line: DecryptedLine): Promise<void> {
    const w = await this.room(roomId);
    if (line.kind === 'decrypted') {
      const set = this.readable.get(roomId) as Set<string>;
      if (set.has(line.event_id)) return;
      set.add(line.event_id);
      this.decrypted += 1;
    }
    await w.decrypted.append({ ...line });
  }

  /**
   * The room's encrypted events stored by an earlier run that have no decrypted line (nor were
   * redacted first). Those this store added are left out: their own decryption is under way
   * (via: live), and a second one must not record them as restored from the backup.
   */
  async *unreadStored(roomId: string): AsyncGenerator<Record<string, unknown>> {
    await this.room(roomId);
    const readable = this.readable.get(roomId) as Set<string>;
    for await (const l of storedLines(roomFiles(this.paths, roomId).events)) {
      const e = l.event as Record<string, unknown> | undefined;
      const id = e?.event_id as string;
      if (e?.type !== 'm.room.encrypted' || readable.has(id) || this.addedNow.has(id)) continue;
      if (!(e.unsigned as { redacted_because?: unknown } | undefined)?.redacted_because) yield e;
    }
  }

  async flush(): Promise<void> {
    for (const p of this.rooms.values()) {
      const w = await p;
      await w.events.flush();
      await w.decrypted.flush();
    }
  }

  roomIds(): string[] {
    return [...this.rooms.keys()];
  }

  /** Case-relative file name → head, for a journal checkpoint. */
  async heads(rel: (path: string) => string): Promise<Record<string, { seq: number; hash: string }>> {
    const out: Record<string, { seq: number; hash: string }> = {};
    for (const p of this.rooms.values()) {
      const w = await p;
      for (const c of [w.events, w.decrypted]) if (c.head.seq > 0) out[rel(c.path)] = c.head;
    }
    return out;
  }

  async readState(): Promise<RecordState> {
    const file = this.paths.state;
    return (
      (await readJson<RecordState>(
        file,
        `move it aside (mv ${file} ${file}.damaged): it only tells when the recorder last ran.`,
      )) ?? {}
    );
  }

  async writeState(state: RecordState): Promise<void> {
    await writeFileAtomic(this.paths.state, `${JSON.stringify(state, null, 2)}\n`);
  }
}

async function idsIn(
  path: string,
  pick: (v: Record<string, unknown>) => string | undefined,
): Promise<Set<string>> {
  const out = new Set<string>();
  for await (const v of storedLines(path)) {
    const id = pick(v);
    if (id) out.add(id);
  }
  return out;
}

/**
 * Every stored line of a room file that is a JSON object, in file order (for re-decryption and
 * the transcript). Any other line, an edit, is skipped: `record verify` names it.
 */
export async function* storedLines(path: string): AsyncGenerator<Record<string, unknown>> {
  if (!(await exists(path))) return;
  const rl = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of rl) {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      continue;
    }
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      yield value as Record<string, unknown>;
  }
}

/** The room of every folder in record/rooms/, read back from its first stored line. */
export async function recordedRooms(paths: RecordPaths): Promise<string[]> {
  if (!(await exists(paths.rooms))) return [];
  const out: string[] = [];
  for (const d of (await readdir(paths.rooms, { withFileTypes: true })).filter((x) => x.isDirectory())) {
    for await (const l of storedLines(join(paths.rooms, d.name, 'events.jsonl'))) {
      if (typeof l.room_id === 'string') out.push(l.room_id);
      break;
    }
  }
  return out;
}
