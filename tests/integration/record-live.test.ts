import { BIN, ROOT, runCli } from '../helpers/cli.js';
import { waitFor } from '../helpers/participant.js';
import { KEY, spawnPty } from '../helpers/pty.js';
import {
  RECORDER_ID,
  type RecordCase,
  recordReaders,
  startRecordCase,
  stopRecordCase,
} from '../helpers/record-case.js';

// The long-running recorder on a real terminal: its status line, and what it does after a
// network outage, when the messages sent meanwhile reach it as one `limited` sync (the test
// homeserver answers at most 20 timeline events a sync): it pages back to where its record left
// off and stores the rest in order. A gap of one page is stored from that page; a longer one is
// replayed forward page by page.
describe('matrix-oob record: the live loop', () => {
  let c: RecordCase;
  const { journal, lines, said } = recordReaders(() => c.kase.dir);

  beforeAll(async () => {
    c = await startRecordCase();
  }, 60_000);

  afterAll(() => stopRecordCase(c ?? {}));

  /** Messages sent while the recorder's syncs are held, all decrypted once they are released. */
  async function outage(label: string, count: number): Promise<void> {
    c.hs.holdSync(RECORDER_ID);
    for (let i = 0; i < count; i++) {
      await c.alice.client.sendMessage(c.roomId, { msgtype: 'm.text', body: `${label} ${i}` } as never);
    }
    c.hs.releaseSync(RECORDER_ID);
    await waitFor(
      () => said(`${label} ${count - 1}`) !== undefined && said(`${label} 0`) !== undefined,
      label,
      60_000,
    );
  }

  /** The bodies of the events stored from gap filling, in file order. */
  const gapBodies = (label: string) => {
    const byId = new Map(lines('decrypted.jsonl').map((d) => [d.event_id, d.content?.body]));
    return lines('events.jsonl')
      .filter((l) => l.source === 'gap')
      .map((l) => byId.get(l.event.event_id) as string)
      .filter((b) => b?.startsWith(`${label} `));
  };

  const gapFills = () => journal().filter((j) => j.stage === 'gap-fill');
  let fillsBefore = 0;

  it('shows its status line, fills a one-page and a multi-page gap after outages, in order, and stops on Ctrl-C', async () => {
    const pty = spawnPty('node', [BIN, '--case', c.kase.dir, 'record'], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', MATRIX_OOB_RECORD_URL: c.hs.url, COLUMNS: '200' },
    });
    try {
      await pty.waitFor('[record] ', 30_000);
      await waitFor(() => journal().some((j) => j.stage === 'join'), 'recorder joined', 30_000);
      await c.alice.client.sendMessage(c.roomId, { msgtype: 'm.text', body: 'before' } as never);
      await waitFor(() => said('before') !== undefined, 'first message decrypted', 30_000);
      // Joining may have filled in the room's history before the recorder (timing): not counted.
      fillsBefore = gapFills().length;

      await outage('short', 30);
      await outage('long', 150);

      // The status line counts what this run stored: 1 + 30 + 150 messages, none waiting for keys.
      await pty.waitFor('1 rooms', 10_000);
      await pty.waitFor('181 decrypted · 0 waiting for keys', 10_000);
      pty.send(KEY.ctrlC);
      await pty.waitFor('recorder stopped: everything received is stored and checkpointed.', 30_000);
      expect(await pty.exit).toBe(130);
    } finally {
      pty.kill();
    }

    // Each outage was one limited sync: at most the newest 20 came live, the rest (at least 10,
    // then at least 130: more than one page) from one gap fill each, oldest first. Under load the
    // fill can run before the SDK has put all 20 in its live timeline and take some of them too.
    const fills = gapFills()
      .slice(fillsBefore)
      .map((f) => f.events as number);
    expect(fills).toHaveLength(2);
    const [shortFill = 0, longFill = 0] = fills;
    expect(shortFill).toBeGreaterThanOrEqual(10);
    expect(longFill).toBeGreaterThanOrEqual(130);
    expect(gapBodies('short')).toEqual(Array.from({ length: shortFill }, (_, i) => `short ${i}`));
    expect(gapBodies('long')).toEqual(Array.from({ length: longFill }, (_, i) => `long ${i}`));
    // Nothing stored twice, every message readable.
    const ids = lines('events.jsonl').map((l) => l.event.event_id);
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 0; i < 150; i++) expect(said(`long ${i}`)).toMatchObject({ kind: 'decrypted' });
    const verify = await runCli(['--case', c.kase.dir, 'record', 'verify']);
    expect(verify.exitCode).toBe(0);
  }, 240_000);
});
