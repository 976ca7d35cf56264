import { type RecordPaths, roomFiles } from '../record/paths.js';
import { recordedRooms, storedLines } from '../record/store.js';

/** One line of a room's timeline, as the transcript shows it. */
export interface Item {
  event_id: string;
  time: string;
  ts: number;
  sender: string;
  type: string;
  /** What was said (decrypted if it was encrypted); undefined for state and unreadable events. */
  body?: string;
  msgtype?: string;
  reply_to?: string;
  /** This event edits another one (m.replace). */
  edits?: string;
  /** Later edits of this event: their IDs and new text. */
  edited_by?: { event_id: string; body: string; time: string }[];
  redacted_by?: { event_id: string; sender: string; time: string; reason?: string };
  /** A redaction event: what it redacts. */
  redacts?: string;
  undecryptable?: { code: string; reason: string };
  attachment?: { name: string; sha256?: string; size?: number; error?: string };
  /** A state change, in words. */
  state?: string;
}

export interface RoomTranscript {
  room_id: string;
  name?: string;
  items: Item[];
}

type Json = Record<string, unknown>;

const iso = (ts: number) => new Date(ts).toISOString().replace('.000Z', 'Z');

function stateText(e: Json): string | undefined {
  const c = (e.content ?? {}) as Json;
  switch (e.type) {
    case 'm.room.create':
      return 'created the room';
    case 'm.room.member':
      return `${String(e.state_key)}: ${String(c.membership ?? 'membership changed')}`;
    case 'm.room.name':
      return `named the room "${String(c.name ?? '')}"`;
    case 'm.room.topic':
      return `set the topic "${String(c.topic ?? '')}"`;
    case 'm.room.encryption':
      return `turned on end-to-end encryption (${String(c.algorithm ?? '')})`;
    case 'm.room.power_levels':
      return 'changed power levels';
    case 'm.room.join_rules':
      return `join rule: ${String(c.join_rule ?? '')}`;
    case 'm.room.history_visibility':
      return `history visibility: ${String(c.history_visibility ?? '')}`;
    default:
      return e.state_key !== undefined ? `state ${String(e.type)}` : undefined;
  }
}

/** A room folder's two files joined: every event with what it said, edits and redactions linked. */
export async function loadRoom(paths: RecordPaths, roomId: string): Promise<RoomTranscript> {
  const files = roomFiles(paths, roomId);
  const clear = new Map<string, Json>();
  const unreadable = new Map<string, { code: string; reason: string }>();
  const media = new Map<string, Json>();
  for await (const l of storedLines(files.decrypted)) {
    const id = l.event_id as string;
    if (l.kind === 'decrypted') {
      clear.set(id, l);
      unreadable.delete(id);
    } else if (l.kind === 'undecryptable' && !clear.has(id)) {
      unreadable.set(id, { code: String(l.code), reason: String(l.reason) });
    } else if (l.kind === 'media') media.set(id, l);
  }
  const items: Item[] = [];
  let name: string | undefined;
  let order = 0;
  const seq = new Map<string, number>();
  for await (const l of storedLines(files.events)) {
    const e = l.event as Json | undefined;
    if (!e || typeof e.event_id !== 'string') continue;
    const id = e.event_id;
    seq.set(id, order++);
    const ts = Number(e.origin_server_ts ?? 0);
    const d = clear.get(id);
    const type = (d?.type as string | undefined) ?? String(e.type);
    const content = (d?.content ?? e.content ?? {}) as Json;
    const item: Item = { event_id: id, time: iso(ts), ts, sender: String(e.sender ?? ''), type };
    if (e.type === 'm.room.name') name = String(((e.content ?? {}) as Json).name ?? '');
    const st = e.state_key !== undefined ? stateText(e) : undefined;
    if (st) item.state = st;
    else if (e.type === 'm.room.redaction')
      item.redacts = String(e.redacts ?? ((e.content ?? {}) as Json).redacts ?? '');
    else if (e.type === 'm.room.encrypted' && !d) {
      item.undecryptable = unreadable.get(id) ?? {
        code: 'NOT_YET',
        reason: 'no decrypted line (no key yet)',
      };
    } else {
      if (typeof content.body === 'string') item.body = content.body;
      if (typeof content.msgtype === 'string') item.msgtype = content.msgtype;
      const rel = (content['m.relates_to'] ?? {}) as Json;
      const reply = (rel['m.in_reply_to'] as Json | undefined)?.event_id;
      if (typeof reply === 'string') item.reply_to = reply;
      if (rel.rel_type === 'm.replace' && typeof rel.event_id === 'string') {
        item.edits = rel.event_id;
        const nc = content['m.new_content'] as Json | undefined;
        if (typeof nc?.body === 'string') item.body = nc.body;
      }
      const m = media.get(id);
      if (m || ['m.image', 'm.file', 'm.video', 'm.audio'].includes(item.msgtype ?? '')) {
        item.attachment = {
          name: String(content.filename ?? content.body ?? 'attachment'),
          ...(m?.sha256 ? { sha256: String(m.sha256), size: Number(m.size) } : {}),
          ...(m?.error ? { error: String(m.error) } : m ? {} : { error: 'not downloaded' }),
        };
      }
    }
    items.push(item);
  }
  const byId = new Map(items.map((i) => [i.event_id, i]));
  for (const i of items) {
    const target = i.edits ? byId.get(i.edits) : undefined;
    if (target && i.body !== undefined) {
      target.edited_by = [...(target.edited_by ?? []), { event_id: i.event_id, body: i.body, time: i.time }];
    }
    const red = i.redacts ? byId.get(i.redacts) : undefined;
    if (red) red.redacted_by = { event_id: i.event_id, sender: i.sender, time: i.time };
  }
  items.sort((a, b) => a.ts - b.ts || (seq.get(a.event_id) ?? 0) - (seq.get(b.event_id) ?? 0));
  return { room_id: roomId, ...(name !== undefined ? { name } : {}), items };
}

/** Every recorded room, by name. */
export async function loadRooms(paths: RecordPaths): Promise<RoomTranscript[]> {
  const out: RoomTranscript[] = [];
  for (const roomId of await recordedRooms(paths)) out.push(await loadRoom(paths, roomId));
  return out.sort((a, b) => (a.name ?? a.room_id).localeCompare(b.name ?? b.room_id));
}
