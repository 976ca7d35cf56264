import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { ensurePrivateDir } from '../../src/adapters/files.js';
import { makeCase } from './case.js';
import { type E2eeHomeserver, startE2eeHomeserver } from './e2ee-homeserver.js';
import { type Participant, startParticipant } from './participant.js';

// biome-ignore lint/suspicious/noExplicitAny: recorded JSON lines, read back in assertions
export type Json = Record<string, any>;

export const RECORD_DOMAIN = 'rec.test';
export const RECORDER_ID = `@recorder:${RECORD_DOMAIN}`;
const REC_PASSWORD = 'Recorder-password-0123456789';

export interface RecordCase {
  hs: E2eeHomeserver;
  alice: Participant;
  kase: { dir: string; cleanup(): Promise<void> };
  roomId: string;
}

/**
 * A test homeserver with alice (a real client, cross-signed) and the recorder's account, a case
 * folder holding the recorder's password as `user add` writes it, and an encrypted room alice
 * created with the recorder invited.
 */
export async function startRecordCase(): Promise<RecordCase> {
  // The participant's SDK and crypto log a lot at debug and info level.
  jest.spyOn(console, 'debug').mockImplementation(() => {});
  jest.spyOn(console, 'info').mockImplementation(() => {});
  const hs = await startE2eeHomeserver(RECORD_DOMAIN);
  hs.addUser('alice', 'Alice-password-0123456789');
  hs.addUser('recorder', REC_PASSWORD);
  const kase = await makeCase({
    domain: RECORD_DOMAIN,
    server: { address: '203.0.113.10' },
    users: [{ name: 'alice', admin: true }],
  });
  await ensurePrivateDir(join(kase.dir, 'credentials'));
  writeFileSync(
    join(kase.dir, 'credentials', 'recorder.txt'),
    `user_id: ${RECORDER_ID}\npassword: ${REC_PASSWORD}\n`,
    { mode: 0o600 },
  );
  const alice = await startParticipant(hs.url, 'alice', 'Alice-password-0123456789');
  const r = await alice.client.createRoom({
    name: 'control',
    initial_state: [
      { type: 'm.room.encryption', state_key: '', content: { algorithm: 'm.megolm.v1.aes-sha2' } },
    ],
    invite: [RECORDER_ID],
  } as never);
  return { hs, alice, kase, roomId: r.room_id };
}

export async function stopRecordCase(c: Partial<RecordCase>): Promise<void> {
  await c.alice?.stop();
  await c.hs?.close();
  await c.kase?.cleanup();
}

function jsonLines(path: () => string): Json[] {
  try {
    return readFileSync(path(), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
  } catch {
    return []; // not written yet
  }
}

/** Readers of a case's journal and of its (one) recorded room, empty while not written yet. */
export function recordReaders(caseDir: () => string): {
  journal(): Json[];
  lines(file: 'events.jsonl' | 'decrypted.jsonl'): Json[];
  said(body: string): Json | undefined;
} {
  const roomFile = (f: string) => {
    const rooms = join(caseDir(), 'record', 'rooms');
    return join(rooms, readdirSync(rooms)[0] as string, f);
  };
  const lines = (f: string) => jsonLines(() => roomFile(f));
  return {
    journal: () => jsonLines(() => join(caseDir(), 'journal.jsonl')),
    lines,
    said: (body) => lines('decrypted.jsonl').find((d) => d.content?.body === body),
  };
}
