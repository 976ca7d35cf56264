import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  appendChained,
  ChainWriter,
  chainLine,
  EMPTY_HEAD,
  GENESIS,
  readHead,
} from '../../src/case/chain.js';
import { journal } from '../../src/case/journal.js';
import { verifyChain } from '../../src/case/verify-chain.js';
import { headsToCheckpoints, parseHead } from '../../src/record/heads.js';
import { verifyCase } from '../../src/record/verify.js';
import { Redactor } from '../../src/secrets/redact.js';

describe('hash-chained JSONL', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'matrix-oob-chain-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  /** Five lines, one with non-ASCII text, through the same writer the recorder uses. */
  async function sample(path: string): Promise<string> {
    const w = await ChainWriter.open(path);
    for (const [i, body] of ['hello', 'wörld ☃', '"quoted"', 'x'.repeat(40), 'last'].entries()) {
      w.add({ n: i, body });
    }
    await w.flush();
    return readFile(path, 'utf8');
  }

  it('links each line to the one before, starting from GENESIS, and verifies', async () => {
    const path = join(dir, 'a.jsonl');
    const text = await sample(path);
    const lines = text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(lines[0].prev).toBe(GENESIS);
    for (let i = 1; i < lines.length; i++) expect(lines[i].prev).toBe(lines[i - 1].hash);
    const r = await verifyChain(path);
    expect(r.problem).toBeUndefined();
    expect(r.head).toEqual({ seq: 5, hash: lines[4].hash });
    expect(await readHead(path)).toEqual(r.head);
  });

  it('names the exact line when any single byte of the file changes', async () => {
    const path = join(dir, 'a.jsonl');
    const original = Buffer.from(await sample(path), 'utf8');
    // The line each byte belongs to (a line end belongs to the line it ends).
    const lineOf: number[] = [];
    let line = 1;
    for (const b of original) {
      lineOf.push(line);
      if (b === 0x0a) line += 1;
    }
    for (let i = 0; i < original.length; i++) {
      const copy = Buffer.from(original);
      copy[i] = (copy[i] as number) ^ 0x01;
      await writeFile(path, copy);
      const r = await verifyChain(path);
      if (r.problem?.line !== lineOf[i]) {
        throw new Error(`byte ${i}: expected line ${lineOf[i]}, got ${JSON.stringify(r.problem)}`);
      }
    }
  });

  it('names a last line whose line end was cut off', async () => {
    const path = join(dir, 'a.jsonl');
    await writeFile(path, (await sample(path)).slice(0, -1));
    const r = await verifyChain(path);
    expect(r.problem).toEqual({
      line: 5,
      kind: 'truncated',
      message: 'line 5 has no line end: the file was cut or edited',
    });
  });

  it('tells a removed line from reordered lines', async () => {
    const path = join(dir, 'a.jsonl');
    const lines = (await sample(path)).trimEnd().split('\n');
    await writeFile(path, `${[lines[0], lines[1], lines[3], lines[4]].join('\n')}\n`);
    expect((await verifyChain(path)).problem).toMatchObject({ line: 3, kind: 'removed' });
    await writeFile(path, `${[lines[0], lines[2], lines[1], lines[3], lines[4]].join('\n')}\n`);
    expect((await verifyChain(path)).problem).toMatchObject({
      line: 2,
      kind: 'reordered',
      message: 'line 2 is out of order: it holds entry 3; entry 2 is at line 3',
    });
    await writeFile(path, `${lines.slice(1).join('\n')}\n`);
    expect((await verifyChain(path)).problem).toMatchObject({ line: 1, kind: 'removed' });
  });

  it('names the replaced line when a whole line is rewritten with a fresh hash', async () => {
    const path = join(dir, 'a.jsonl');
    const lines = (await sample(path)).trimEnd().split('\n');
    const second = JSON.parse(lines[1] as string);
    const forged = chainLine({ n: 1, body: 'forged' }, { seq: 1, hash: second.prev }).line;
    await writeFile(path, `${[lines[0], forged, ...lines.slice(2)].join('\n')}\n`);
    expect((await verifyChain(path)).problem).toMatchObject({ line: 2, kind: 'edited' });
  });

  it('a journal with a broken last line still takes lines; verify still names the broken one', async () => {
    const path = join(dir, 'journal.jsonl');
    await writeFile(path, '{"command":"init","result":"ok"}\n');
    await appendChained(path, { a: 1 });
    expect(await readFile(path, 'utf8')).toMatch(/^\{"command":"init","result":"ok"\}\n\{"a":1,"seq":1,/);
    expect((await verifyChain(path)).problem).toMatchObject({ line: 1, kind: 'edited' });
  });

  it('a record file with a broken last line is not appended to', async () => {
    const path = join(dir, 'events.jsonl');
    await writeFile(path, 'not chained\n');
    await expect(ChainWriter.open(path)).rejects.toThrow(/last line is not a valid chained line/);
  });

  it('keeps concurrent appends in one chain', async () => {
    const path = join(dir, 'journal.jsonl');
    await Promise.all(Array.from({ length: 20 }, (_, i) => appendChained(path, { i })));
    const r = await verifyChain(path);
    expect(r.problem).toBeUndefined();
    expect(r.lines).toBe(20);
  });

  it('ChainWriter.append writes a batch once it holds FLUSH_BYTES; concurrent appends stay in order', async () => {
    const path = join(dir, 'events.jsonl');
    const w = await ChainWriter.open(path);
    const body = 'y'.repeat(4000);
    const size = async () => (await stat(path).catch(() => undefined))?.size ?? 0;
    // Nothing reaches the disk until a batch's worth is pending; then the whole batch at once.
    let n = 0;
    while ((await size()) === 0) {
      expect(n * body.length).toBeLessThan(ChainWriter.FLUSH_BYTES);
      await w.append({ i: n++, body });
    }
    expect(await size()).toBeGreaterThanOrEqual(ChainWriter.FLUSH_BYTES);
    expect((await readFile(path, 'utf8')).split('\n').length - 1).toBe(n);
    // Three batches' worth, appended without waiting for each other, then the rest.
    const more = Math.ceil((3 * ChainWriter.FLUSH_BYTES) / body.length);
    await Promise.all(Array.from({ length: more }, (_, k) => w.append({ i: n + k, body })));
    await w.flush();
    const order = (await readFile(path, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).i as number);
    expect(order.length).toBe(n + more);
    expect(order.every((v, i) => v === i)).toBe(true);
    expect((await verifyChain(path)).problem).toBeUndefined();
  });

  it("appendChained takes over a dead process's journal lock, and waits for a live one", async () => {
    const path = join(dir, 'journal.jsonl');
    const lockLine = (pid: number) =>
      `${JSON.stringify({ pid, command: 'journal append', since: new Date().toISOString(), host: hostname() })}\n`;
    // Left by a process that is gone (killed mid-append): taken over at once.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid as number;
    await writeFile(`${path}.lock`, lockLine(dead));
    await appendChained(path, { n: 1 });
    await expect(stat(`${path}.lock`)).rejects.toThrow(/ENOENT/);
    // Held by a live process: the append waits until it lets go.
    await writeFile(`${path}.lock`, lockLine(process.ppid));
    let released = 0;
    setTimeout(() => {
      released = Date.now();
      void rm(`${path}.lock`);
    }, 300);
    await appendChained(path, { n: 2 });
    expect(released).toBeGreaterThan(0);
    const r = await verifyChain(path);
    expect([r.problem, r.lines]).toEqual([undefined, 2]);
  });

  it('appendChained waits only for a live holder: a lock it cannot use fails at once, naming it', async () => {
    const path = join(dir, 'journal.jsonl');
    // A folder where the lock file belongs: not another matrix-oob, so nothing to wait for.
    await mkdir(`${path}.lock`);
    const started = Date.now();
    await expect(appendChained(path, { n: 1 })).rejects.toThrow(
      `cannot read ${path}.lock: it is a folder, where a file belongs (EISDIR)`,
    );
    // Not the 10 s a live holder is given.
    expect(Date.now() - started).toBeLessThan(5000);
    await expect(stat(path)).rejects.toThrow(/ENOENT/);
  });

  it('journal(): hashes the redacted line, so the stored line verifies and holds no secret', async () => {
    const path = join(dir, 'journal.jsonl');
    const secret = 'Sup3r-secret-pw';
    await journal(path, { command: 'init', result: 'ok', note: `pw ${secret}` }, new Redactor([secret]));
    const text = await readFile(path, 'utf8');
    expect(text).not.toContain(secret);
    expect(JSON.parse(text)).toMatchObject({ command: 'init', result: 'ok', seq: 1, prev: GENESIS });
    expect((await verifyChain(path)).problem).toBeUndefined();
  });

  it('verifyCase: checkpoints in the journal catch a record file cut short', async () => {
    const journalPath = join(dir, 'journal.jsonl');
    const room = join(dir, 'record', 'rooms', '!r%3Ax');
    const events = join(room, 'events.jsonl');
    const w = await ChainWriter.open(events);
    for (let i = 0; i < 4; i++) w.add({ i });
    await w.flush();
    await journal(journalPath, { command: 'init', result: 'ok' });
    await journal(journalPath, {
      command: 'record',
      result: 'ok',
      stage: 'checkpoint',
      heads: { 'record/rooms/!r%3Ax/events.jsonl': w.head },
    });
    expect((await verifyCase(dir, journalPath)).ok).toBe(true);

    const text = await readFile(events, 'utf8');
    await writeFile(events, `${text.trimEnd().split('\n').slice(0, 3).join('\n')}\n`);
    const r = await verifyCase(dir, journalPath);
    expect(r.ok).toBe(false);
    expect(r.files[1]).toMatchObject({
      file: 'record/rooms/!r%3Ax/events.jsonl',
      problem: { kind: 'truncated', line: 3 },
    });

    await rm(room, { recursive: true });
    expect((await verifyCase(dir, journalPath)).files[1]?.problem?.message).toMatch(/file is missing/);
  });

  it('verifyCase: a head written down (teardown) catches a journal cut after it', async () => {
    const journalPath = join(dir, 'journal.jsonl');
    await journal(journalPath, { command: 'init', result: 'ok' });
    const head = await readHead(journalPath);
    await journal(journalPath, { command: 'teardown', result: 'ok' });
    const spec = `journal.jsonl=${head.seq}:${head.hash}`;
    expect(parseHead(spec)).toEqual({ file: 'journal.jsonl', ...head });
    const expected = headsToCheckpoints([parseHead(spec) as never]);
    expect((await verifyCase(dir, journalPath, expected)).ok).toBe(true);
    await writeFile(journalPath, '');
    const r = await verifyCase(dir, journalPath, expected);
    expect(r.files[0]?.problem?.kind).toBe('truncated');
    expect(EMPTY_HEAD.seq).toBe(0);
  });
});
