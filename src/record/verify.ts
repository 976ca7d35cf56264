import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { exists } from '../adapters/files.js';
import type { ChainHead } from '../case/chain.js';
import { type ChainProblem, verifyChain } from '../case/verify-chain.js';
import { caseRelative, recordPaths } from './paths.js';

/** One chained file of the case and what its check found. */
export interface FileVerification {
  /** Relative to the case folder, e.g. "journal.jsonl", "record/rooms/…/events.jsonl". */
  file: string;
  lines: number;
  head: ChainHead;
  problem?: ChainProblem;
}

export interface CaseVerification {
  ok: boolean;
  files: FileVerification[];
}

/** A journal line "record checkpoint": the head of each record file at that moment. */
export type Checkpoints = Map<string, ChainHead[]>;

export function collectCheckpoint(value: Record<string, unknown>, into: Checkpoints): void {
  const heads = value.heads;
  if (value.command !== 'record' || typeof heads !== 'object' || heads === null) return;
  for (const [file, head] of Object.entries(heads as Record<string, unknown>)) {
    const h = head as Partial<ChainHead>;
    if (typeof h?.seq !== 'number' || typeof h.hash !== 'string') continue;
    const list = into.get(file) ?? [];
    list.push({ seq: h.seq, hash: h.hash });
    into.set(file, list);
  }
}

/** Every chained file of a record: record/rooms/<room>/*.jsonl. */
export async function recordFiles(caseRoot: string): Promise<string[]> {
  const { rooms } = recordPaths(caseRoot);
  if (!(await exists(rooms))) return [];
  const out: string[] = [];
  for (const room of (await readdir(rooms, { withFileTypes: true })).filter((d) => d.isDirectory())) {
    for (const f of await readdir(join(rooms, room.name))) {
      if (f.endsWith('.jsonl')) out.push(join(rooms, room.name, f));
    }
  }
  return out.sort();
}

/**
 * `record verify`: the journal first (collecting the record's checkpoints), then every record
 * file, each against its checkpoints: a file shorter than a checkpoint, or whose line at a
 * checkpointed seq has another hash, was cut or rewritten after that checkpoint. `expected`
 * adds heads written down elsewhere (teardown prints them), keyed by case-relative file name.
 */
export async function verifyCase(
  caseRoot: string,
  journalPath: string,
  expected: Checkpoints = new Map(),
): Promise<CaseVerification> {
  const checkpoints: Checkpoints = new Map();
  const journalName = caseRelative(caseRoot, journalPath);
  const files: FileVerification[] = [
    await checkFile(caseRoot, journalPath, expected.get(journalName) ?? [], (v) =>
      collectCheckpoint(v, checkpoints),
    ),
  ];
  for (const [name, marks] of expected) {
    if (name !== journalName) checkpoints.set(name, [...(checkpoints.get(name) ?? []), ...marks]);
  }
  const onDisk = (await recordFiles(caseRoot)).map((f) => caseRelative(caseRoot, f));
  const names = [...new Set([...onDisk, ...checkpoints.keys()])].sort();
  for (const name of names) {
    const marks = checkpoints.get(name) ?? [];
    if (!onDisk.includes(name)) {
      files.push({
        file: name,
        lines: 0,
        head: { seq: 0, hash: '' },
        problem: {
          line: 0,
          kind: 'removed',
          message: `the file is missing; it was checkpointed at entry ${marks.at(-1)?.seq ?? 0}`,
        },
      });
      continue;
    }
    files.push(await checkFile(caseRoot, join(caseRoot, ...name.split('/')), marks));
  }
  return { ok: files.every((f) => !f.problem), files };
}

async function checkFile(
  caseRoot: string,
  path: string,
  marks: readonly ChainHead[],
  onValue?: (value: Record<string, unknown>) => void,
): Promise<FileVerification> {
  const r = await verifyChain(path, {
    want: new Set(marks.map((m) => m.seq)),
    ...(onValue ? { onValue } : {}),
  });
  let problem = r.problem;
  for (const m of problem ? [] : marks) {
    const got = r.found.get(m.seq);
    if (got === undefined) {
      problem = {
        line: r.lines,
        kind: 'truncated',
        message: `the file ends at entry ${r.lines}, but entry ${m.seq} was checkpointed: lines after ${r.lines} were removed`,
      };
      break;
    }
    if (got !== m.hash) {
      problem = {
        line: m.seq,
        kind: 'edited',
        message: `line ${m.seq} differs from its checkpoint: the file was rewritten at or before that line`,
      };
      break;
    }
  }
  return {
    file: caseRelative(caseRoot, path),
    lines: r.lines,
    head: r.head,
    ...(problem ? { problem } : {}),
  };
}
