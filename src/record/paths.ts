import { join, relative, sep } from 'node:path';

/** Where the recorder keeps what it records, inside the case folder (docs/record.md). */
export interface RecordPaths {
  root: string;
  rooms: string;
  media: string;
  /** The recorder's login and keys: 0600, needed to restart (record/recorder/). */
  secrets: string;
  session: string;
  secretsFile: string;
  cryptoStore: string;
  state: string;
  lock: string;
}

export function recordPaths(caseRoot: string): RecordPaths {
  const root = join(caseRoot, 'record');
  const secrets = join(root, 'recorder');
  return {
    root,
    rooms: join(root, 'rooms'),
    media: join(root, 'media'),
    secrets,
    session: join(secrets, 'session.json'),
    secretsFile: join(secrets, 'secrets.json'),
    cryptoStore: join(secrets, 'crypto-store.bin'),
    state: join(root, 'state.json'),
    lock: join(root, 'record.lock'),
  };
}

/** A room's folder name: its ID with every character outside [A-Za-z0-9._-] percent-encoded. */
export function roomDirName(roomId: string): string {
  return [...roomId]
    .map((c) =>
      /[A-Za-z0-9._-]/.test(c)
        ? c
        : [...Buffer.from(c, 'utf8')]
            .map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`)
            .join(''),
    )
    .join('');
}

export function roomFiles(paths: RecordPaths, roomId: string): { events: string; decrypted: string } {
  const dir = join(paths.rooms, roomDirName(roomId));
  return { events: join(dir, 'events.jsonl'), decrypted: join(dir, 'decrypted.jsonl') };
}

/** A path as the journal and reports name it: relative to the case, with forward slashes. */
export function caseRelative(caseRoot: string, path: string): string {
  return relative(caseRoot, path).split(sep).join('/');
}
