import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { appendText } from '../adapters/files.js';
import { FailureError } from '../errors.js';
import { withWaitingLock } from './lock.js';

/**
 * Hash-chained JSONL (the tamper-evident case record, docs/record.md).
 *
 * Every line is one JSON object whose last three members are written by this module:
 *   {..., "seq": <n>, "prev": "<hash of line n-1>", "hash": "<sha256 of this line without hash>"}
 * The hash covers the exact bytes of the line with `,"hash":"…"` cut out, so one changed byte
 * anywhere in a line breaks that line's own hash; `seq` (1, 2, 3, …) shows a removed or reordered
 * line; `prev` links each line to the one before. The first line's prev is GENESIS. The head
 * (seq and hash of the last line) is what an operator writes down outside the case.
 */
export const GENESIS = '0'.repeat(64);

export interface ChainHead {
  seq: number;
  hash: string;
}

export const EMPTY_HEAD: ChainHead = { seq: 0, hash: GENESIS };

const HASH_SUFFIX = /,"hash":"([0-9a-f]{64})"\}$/;

export function sha256Hex(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * One chained line after `head`. `transform` runs on the JSON text before it is hashed (the
 * journal's redactor), so what is hashed is exactly what is stored.
 */
export function chainLine(
  fields: Record<string, unknown>,
  head: ChainHead,
  transform: (text: string) => string = (t) => t,
): { line: string; head: ChainHead } {
  const { seq: _s, prev: _p, hash: _h, ...rest } = fields;
  const seq = head.seq + 1;
  const body = transform(JSON.stringify({ ...rest, seq, prev: head.hash }));
  const hash = sha256Hex(body);
  return { line: `${body.slice(0, -1)},"hash":"${hash}"}`, head: { seq, hash } };
}

/** A parsed line, or why it is not a valid chained line. */
export type ParsedLine =
  | { ok: true; seq: number; prev: string; hash: string; value: Record<string, unknown> }
  | { ok: false; reason: string };

export function parseChainLine(line: string): ParsedLine {
  const m = HASH_SUFFIX.exec(line);
  if (!m)
    return {
      ok: false,
      reason: 'it does not end with a valid "hash" member (edited, or written before the chain existed)',
    };
  const body = `${line.slice(0, m.index)}}`;
  const hash = m[1] as string;
  if (sha256Hex(body) !== hash) return { ok: false, reason: 'its content does not match its hash' };
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { ok: false, reason: 'it is not valid JSON' };
  }
  const v = value as Record<string, unknown>;
  if (typeof v !== 'object' || v === null || !Number.isInteger(v.seq) || typeof v.prev !== 'string') {
    return { ok: false, reason: 'it has no "seq" and "prev" members' };
  }
  return { ok: true, seq: v.seq as number, prev: v.prev, hash, value: v };
}

/** The head of a chained file: its last line's seq and hash (EMPTY_HEAD for a missing or empty file). */
export async function readHead(path: string): Promise<ChainHead> {
  const last = await readLastLine(path);
  if (last === undefined) return EMPTY_HEAD;
  const parsed = parseChainLine(last);
  if (!parsed.ok) {
    throw new FailureError(`${path}: the last line is not a valid chained line (${parsed.reason})`, {
      hint: 'run "matrix-oob record verify" to see what was changed; nothing was appended.',
    });
  }
  return { seq: parsed.seq, hash: parsed.hash };
}

async function lenientHead(path: string): Promise<ChainHead> {
  const last = await readLastLine(path);
  if (last === undefined) return EMPTY_HEAD;
  const parsed = parseChainLine(last);
  return parsed.ok ? { seq: parsed.seq, hash: parsed.hash } : { seq: 0, hash: sha256Hex(last) };
}

/** The last line of a file without its line end, reading backwards in blocks; undefined if empty. */
async function readLastLine(path: string): Promise<string | undefined> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const { size } = await handle.stat();
    if (size === 0) return undefined;
    const chunks: Buffer[] = [];
    let pos = size;
    let skipFinalNewline = true;
    while (pos > 0) {
      const len = Math.min(8192, pos);
      pos -= len;
      const buf = Buffer.alloc(len);
      await handle.read(buf, 0, len, pos);
      let end = len;
      if (skipFinalNewline) {
        if (buf[len - 1] === 0x0a) end = len - 1;
        skipFinalNewline = false;
      }
      const nl = buf.lastIndexOf(0x0a, end - 1);
      if (nl >= 0) {
        chunks.unshift(buf.subarray(nl + 1, end));
        return Buffer.concat(chunks).toString('utf8');
      }
      chunks.unshift(buf.subarray(0, end));
    }
    const text = Buffer.concat(chunks).toString('utf8');
    return text === '' ? undefined : text;
  } finally {
    await handle.close();
  }
}

/** Serialises appends within this process (the lock file serialises processes). */
const queues = new Map<string, Promise<unknown>>();

/**
 * Append one chained line to a file another process may append to as well (journal.jsonl):
 * under `<file>.lock`, read the head, write the line. Returns the new head. A journal whose last
 * line is broken (edited, or written before the chain existed) still takes new lines, so no
 * command is blocked by it: they chain on from the hash of that line's bytes, and `record
 * verify` keeps naming the broken line.
 */
export async function appendChained(
  path: string,
  fields: Record<string, unknown>,
  transform?: (text: string) => string,
): Promise<ChainHead> {
  const previous = queues.get(path) ?? Promise.resolve();
  const run = previous
    .catch(() => undefined)
    .then(() =>
      withWaitingLock(`${path}.lock`, 'journal append', basename(path), async () => {
        const { line, head } = chainLine(fields, await lenientHead(path), transform);
        await appendText(path, `${line}\n`, false);
        return head;
      }),
    );
  queues.set(path, run);
  try {
    return await run;
  } finally {
    if (queues.get(path) === run) queues.delete(path);
  }
}

/**
 * The single writer of a chained file (a recorder's per-room files): keeps the head in memory,
 * buffers lines and appends them with one fsync per batch.
 */
export class ChainWriter {
  /** Lines waiting for the next flush beyond this many bytes are written at once (see append). */
  static readonly FLUSH_BYTES = 1 << 20;
  private pending: string[] = [];
  private pendingBytes = 0;
  private writing: Promise<void> = Promise.resolve();
  private constructor(
    readonly path: string,
    private current: ChainHead,
  ) {}

  static async open(path: string): Promise<ChainWriter> {
    return new ChainWriter(path, await readHead(path));
  }

  get head(): ChainHead {
    return this.current;
  }

  /** Adds a line to the batch; returns its seq. */
  add(fields: Record<string, unknown>): number {
    const { line, head } = chainLine(fields, this.current);
    this.pending.push(line);
    this.pendingBytes += line.length + 1;
    this.current = head;
    return head.seq;
  }

  /**
   * Adds a line and, once the batch holds FLUSH_BYTES, writes it: a long catch-up (thousands of
   * events in one round) neither holds them all in memory nor leaves them all unwritten.
   */
  async append(fields: Record<string, unknown>): Promise<number> {
    const seq = this.add(fields);
    if (this.pendingBytes >= ChainWriter.FLUSH_BYTES) await this.flush();
    return seq;
  }

  /** Appends the batch and fsyncs; concurrent flushes write in the order they were called. */
  flush(): Promise<void> {
    if (this.pending.length > 0) {
      const text = `${this.pending.join('\n')}\n`;
      this.pending = [];
      this.pendingBytes = 0;
      this.writing = this.writing.then(() => appendText(this.path, text, true));
    }
    return this.writing;
  }
}
