/** What the recorder is given and what it reports (src/record/recorder.ts). */

export interface RecorderOptions {
  caseRoot: string;
  journalPath: string;
  baseUrl: string;
  /** Where baseUrl came from, for hints (e.g. "MATRIX_OOB_RECORD_URL (from the environment)"). */
  urlFrom?: string;
  /** The recorder's localpart and password. */
  user: string;
  password: string;
  once: boolean;
  signal: AbortSignal;
  log(line: string): void;
  /** In the CLI's own process: keep the SDK's console logging off stdout. */
  quietSdk?: boolean;
  /** How often a running recorder writes a checkpoint to the journal. */
  checkpointMs?: number;
}

export interface RecorderStatus {
  rooms: number;
  events: number;
  decrypted: number;
  waiting: number;
  media: number;
}

export interface RecorderSummary extends RecorderStatus {
  user_id: string;
  device_id: string;
  keys_restored: number;
  downtime?: { from: string; to: string };
  undecryptable: number;
  heads: Record<string, { seq: number; hash: string }>;
}

/** The code of a decrypted-file line for a message redacted before the recorder received it. */
export const REDACTED_FIRST = 'REDACTED_BEFORE_RECEIVED';
