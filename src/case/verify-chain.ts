import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { type ChainHead, EMPTY_HEAD, GENESIS, parseChainLine } from './chain.js';

export type ChainProblemKind = 'edited' | 'removed' | 'reordered' | 'truncated';

export interface ChainProblem {
  /** 1-based line number in the file as it is now. */
  line: number;
  kind: ChainProblemKind;
  message: string;
}

export interface ChainReport {
  file: string;
  lines: number;
  head: ChainHead;
  problem?: ChainProblem;
  /** seq → hash of the lines asked for in `want` (checkpoints). */
  found: Map<number, string>;
}

async function* lines(path: string): AsyncGenerator<string> {
  const rl = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const line of rl) yield line;
  } finally {
    rl.close();
  }
}

/**
 * Check one chained file from its first line and stop at the first problem, naming the line:
 * a line whose bytes do not match its hash was edited; a seq that jumps means lines were
 * removed (or moved: then the line holding the missing seq is named too); a line that does not
 * link to the one before means that one was replaced. `want` lists seqs whose hash the caller
 * wants back (the journal's checkpoints of this file); `onValue` sees every intact line.
 */
export async function verifyChain(
  path: string,
  options: { want?: ReadonlySet<number>; onValue?: (value: Record<string, unknown>) => void } = {},
): Promise<ChainReport> {
  const want = options.want ?? new Set<number>();
  const report: ChainReport = { file: path, lines: 0, head: EMPTY_HEAD, found: new Map() };
  let prev = GENESIS;
  let n = 0;
  for await (const line of lines(path)) {
    n += 1;
    const parsed = parseChainLine(line);
    if (!parsed.ok) {
      report.problem = { line: n, kind: 'edited', message: `line ${n} was edited: ${parsed.reason}` };
      return report;
    }
    if (parsed.seq !== n) {
      report.problem = await seqProblem(path, n, parsed.seq);
      return report;
    }
    if (parsed.prev !== prev) {
      report.problem =
        n === 1
          ? {
              line: 1,
              kind: 'removed',
              message: 'line 1 is not the start of the chain: lines before it were removed',
            }
          : {
              line: n - 1,
              kind: 'edited',
              message: `line ${n - 1} was edited or replaced: line ${n} does not link to it`,
            };
      return report;
    }
    if (want.has(parsed.seq)) report.found.set(parsed.seq, parsed.hash);
    options.onValue?.(parsed.value);
    prev = parsed.hash;
    report.lines = n;
    report.head = { seq: parsed.seq, hash: parsed.hash };
  }
  if (n > 0 && !(await endsWithNewline(path))) {
    report.problem = {
      line: n,
      kind: 'truncated',
      message: `line ${n} has no line end: the file was cut or edited`,
    };
  }
  return report;
}

async function seqProblem(path: string, n: number, seq: number): Promise<ChainProblem> {
  let at = 0;
  let i = 0;
  for await (const line of lines(path)) {
    i += 1;
    const p = parseChainLine(line);
    if (p.ok && p.seq === n) {
      at = i;
      break;
    }
  }
  if (at > 0) {
    return {
      line: n,
      kind: 'reordered',
      message: `line ${n} is out of order: it holds entry ${seq}; entry ${n} is at line ${at}`,
    };
  }
  if (seq > n) {
    return {
      line: n,
      kind: 'removed',
      message: `line ${n} holds entry ${seq}: ${seq - n === 1 ? `entry ${n} was` : `entries ${n}-${seq - 1} were`} removed before it`,
    };
  }
  return { line: n, kind: 'reordered', message: `line ${n} repeats entry ${seq} (copied or moved)` };
}

async function endsWithNewline(path: string): Promise<boolean> {
  const h = await open(path, 'r');
  try {
    const { size } = await h.stat();
    if (size === 0) return true;
    const b = Buffer.alloc(1);
    await h.read(b, 0, 1, size - 1);
    return b[0] === 0x0a;
  } finally {
    await h.close();
  }
}
