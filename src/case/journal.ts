import { type Clock, systemClock } from '../adapters/clock.js';
import { fileError } from '../adapters/files.js';
import { Redactor } from '../secrets/redact.js';
import { appendChained } from './chain.js';

/** One line of journal.jsonl: what was done, when, and how it ended. */
export interface JournalEntry {
  command: string;
  result: 'ok' | 'failed' | 'interrupted' | 'skipped' | 'dry-run';
  stage?: string;
  exit_code?: number;
  duration_ms?: number;
  [extra: string]: unknown;
}

/**
 * Append one entry to the case journal. Append-only, never rewritten; the line is passed
 * through the redactor, so a secret that slipped into a message never lands on disk. Each line
 * is hash-chained to the one before (src/case/chain.ts; `matrix-oob record verify` checks it).
 */
export async function journal(
  path: string,
  entry: JournalEntry,
  redactor: Redactor = new Redactor(),
  clock: Clock = systemClock,
): Promise<void> {
  try {
    await appendChained(path, { time: clock.now().toISOString(), ...entry }, (text) => redactor.redact(text));
  } catch (err) {
    // A journal that is a folder, unwritable...: one line naming it, never a stack trace.
    throw fileError(err, path, 'append to');
  }
}
