import type { CaseVerification } from '../record/verify.js';
import type { RoomTranscript } from './model.js';

/** One JSON object per line: first the verification, then every event of every room in order. */
export function renderJsonl(rooms: RoomTranscript[], verification: CaseVerification): string {
  const lines = [JSON.stringify({ kind: 'verification', ...verification })];
  for (const r of rooms) {
    for (const i of r.items) {
      const { ts: _ts, ...rest } = i;
      lines.push(JSON.stringify({ kind: 'event', room_id: r.room_id, ...rest }));
    }
  }
  return `${lines.join('\n')}\n`;
}
