import { readHead } from '../case/chain.js';
import { caseRelative } from './paths.js';
import { type Checkpoints, recordFiles } from './verify.js';

export interface FileHead {
  file: string;
  seq: number;
  hash: string;
}

/** The head of every chained file of the case: the journal, then the record's files. */
export async function caseHeads(caseRoot: string, journalPath: string): Promise<FileHead[]> {
  const out: FileHead[] = [];
  for (const path of [journalPath, ...(await recordFiles(caseRoot))]) {
    const head = await readHead(path);
    if (head.seq > 0) out.push({ file: caseRelative(caseRoot, path), ...head });
  }
  return out;
}

/** `FILE=SEQ:HASH`, the form teardown prints and `record verify --head` reads back. */
export function formatHead(h: FileHead): string {
  return `${h.file}=${h.seq}:${h.hash}`;
}

export function parseHead(spec: string): FileHead | undefined {
  const m = /^(.+)=(\d+):([0-9a-f]{64})$/.exec(spec.trim());
  if (!m) return undefined;
  return { file: m[1] as string, seq: Number(m[2]), hash: m[3] as string };
}

export function headsToCheckpoints(heads: readonly FileHead[]): Checkpoints {
  const out: Checkpoints = new Map();
  for (const h of heads) out.set(h.file, [...(out.get(h.file) ?? []), { seq: h.seq, hash: h.hash }]);
  return out;
}

/** What teardown prints last, so the heads can be written down outside the case. */
export async function headLines(caseRoot: string, journalPath: string): Promise<string[]> {
  const heads = await caseHeads(caseRoot, journalPath);
  if (heads.length === 0) return [];
  return [
    'case record heads (write these down outside the case; "matrix-oob record verify --head FILE=SEQ:HASH" checks the case against them):',
    ...heads.map((h) => `  ${formatHead(h)}`),
  ];
}
