import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DIR_MODE, FILE_MODE, fileError } from '../adapters/files.js';
import type { Redactor } from '../secrets/redact.js';

/** Longest line kept whole; a longer one is emitted in pieces (memory stays bounded). */
export const MAX_LINE = 64 * 1024;

// CSI sequences (colours, cursor moves) and OSC sequences.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching terminal escapes is the point
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/** How far past a cut a long line is read, so a secret across the cut is seen whole. */
export const CUT_LOOKAHEAD = 4096;

/**
 * Splits a byte stream into lines as they arrive (UTF-8 safe across chunk boundaries). Only the
 * current unfinished line is held, and never more than MAX_LINE characters of it. With `cut`
 * (a Redactor's safeCut), a longer line is cut CUT_LOOKAHEAD before MAX_LINE, or earlier where
 * a secret would straddle the cut: each piece is redacted alone, so no secret may be split.
 */
export class LineSplitter {
  private carry = '';
  private readonly decoder = new TextDecoder('utf-8');

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly cut?: (text: string, at: number) => number,
  ) {}

  push(chunk: Uint8Array): void {
    let text = this.carry + this.decoder.decode(chunk, { stream: true });
    let nl = text.indexOf('\n');
    while (nl !== -1) {
      const line = text.slice(0, nl);
      this.onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
      text = text.slice(nl + 1);
      nl = text.indexOf('\n');
    }
    while (text.length > MAX_LINE) {
      const at = this.cut ? this.cut(text, MAX_LINE - CUT_LOOKAHEAD) : MAX_LINE;
      this.onLine(text.slice(0, at));
      text = text.slice(at);
    }
    this.carry = text;
  }

  /** Emit what is left (the child exited without a final newline). */
  end(): void {
    const rest = this.carry + this.decoder.decode();
    this.carry = '';
    if (rest !== '') this.onLine(rest);
  }
}

/** The last `max` lines, for the error summary. */
export class Tail {
  private readonly lines: string[] = [];
  constructor(private readonly max = 200) {}
  push(line: string): void {
    this.lines.push(line.length > 2000 ? `${line.slice(0, 2000)}…` : line);
    if (this.lines.length > this.max) this.lines.shift();
  }
  get all(): readonly string[] {
    return this.lines;
  }
  text(): string {
    return this.lines.join('\n');
  }
}

/**
 * The redacted copy of a run's output: <case>/logs/<time>-<stage>.log, mode 0600, ANSI codes
 * removed. `write` reports backpressure so the caller can pause the child's pipes.
 */
export class LogFile {
  private constructor(
    readonly path: string,
    private readonly stream: WriteStream,
    private readonly redactor: Redactor,
  ) {}

  static async open(path: string, redactor: Redactor): Promise<LogFile> {
    await mkdir(dirname(path), { recursive: true, mode: DIR_MODE }).catch((err: unknown) => {
      throw fileError(err, dirname(path), 'create the log folder');
    });
    const stream = createWriteStream(path, { flags: 'a', mode: FILE_MODE });
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', (err) => reject(fileError(err, path, 'write the log')));
    });
    return new LogFile(path, stream, redactor);
  }

  /** Where a long line may be cut without splitting a secret (Redactor.safeCut). */
  safeCut(text: string, at: number): number {
    return this.redactor.safeCut(text, at);
  }

  /** Returns false when the caller should wait for `drained()` before writing more. */
  write(line: string): boolean {
    return this.stream.write(`${this.redactor.redact(stripAnsi(line))}\n`);
  }

  drained(): Promise<void> {
    return new Promise((resolve) => this.stream.once('drain', () => resolve()));
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.stream.end((err?: Error | null) => (err ? reject(err) : resolve()));
    });
  }
}
