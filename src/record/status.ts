import { formatElapsed } from '../ui/status-line.js';
import type { RecorderStatus } from './recorder-types.js';

/** The recorder's status line: rooms, events, decrypted, waiting for keys. */
export function formatStatus(s: RecorderStatus, elapsedMs: number, width: number): string {
  const text = `[record] ${s.rooms} rooms · ${s.events} events · ${s.decrypted} decrypted · ${s.waiting} waiting for keys · ${s.media} attachments · ${formatElapsed(elapsedMs)}`;
  const max = Math.max(10, width - 1);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
