import { readIfExists, writeFileAtomic } from '../adapters/files.js';
import { UserError } from '../errors.js';

/**
 * state.json: which deploy stages finished, so a failed run resumes where it stopped.
 * A run is a sequence of stages; when every stage of the last run finished, the next
 * `deploy` starts a new run from the first stage.
 */
export type StageStatus = 'finished' | 'failed' | 'interrupted';

export interface StageRecord {
  status: StageStatus;
  at: string;
  tags: string[];
  exit_code: number;
  log?: string;
  /** Several servers: the hosts this stage failed on (a resume runs it on these only). */
  failed_hosts?: string[];
  /** Several servers: how many hosts the run covered (its recap). */
  hosts?: number;
  /** The run was limited to these hosts (a resume). */
  limit?: string[];
}

/** What `teardown` did (docs/teardown.md). */
export interface TeardownRecord {
  at: string;
  /** 'removed': the server's data was wiped and checked; 'skipped': --local-only. */
  server: 'removed' | 'skipped';
  /** 'removed' once the local secrets are gone; 'kept' when stopped before or during that step. */
  local: 'removed' | 'kept';
}

export interface DeployState {
  version: 1;
  deploy: {
    /** The stages the run planned, in order. */
    plan: string[];
    started_at: string;
    stages: Record<string, StageRecord>;
  } | null;
  /** `matrix-oob up`: its steps' progress (src/up/state.ts). */
  up?: UpState | null;
  /** `matrix-oob teardown`: when and what it removed. */
  teardown?: TeardownRecord;
  /** Sections other commands write (e.g. teardown) are read and written back untouched. */
  [section: string]: unknown;
}

/** One `up` run: each step's outcome, so a failed run resumes after its finished steps. */
export interface UpState {
  started_at: string;
  finished_at?: string;
  steps: Record<string, UpStepRecord>;
}

export interface UpStepRecord {
  status: StageStatus;
  at: string;
  /** Post-* hook events: the hooks that failed (reported, not fatal). */
  failed_hooks?: string[];
}

export const EMPTY_STATE: DeployState = { version: 1, deploy: null };

/**
 * Read state.json. Missing: an empty state. Damaged, of the wrong shape, or written by a newer
 * matrix-oob: an error naming the file, never a silent reset (a reset would lose the deploy
 * progress and the teardown record, and a torn-down case would look fresh).
 */
export async function readState(path: string): Promise<DeployState> {
  const text = await readIfExists(path);
  if (text === undefined) return { ...EMPTY_STATE };
  const damaged = (why: string) =>
    new UserError(`${path} is damaged (${why}): matrix-oob will not guess what this case has done`, {
      hint: `restore it from a backup, or move it aside (mv ${path} ${path}.damaged) to start the case's record afresh; journal.jsonl has the history.`,
    });
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw damaged(`not valid JSON: ${(err as Error).message.split('\n')[0]}`);
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw damaged('not a JSON object');
  const version = (data as { version?: unknown }).version;
  if (typeof version === 'number' && version > 1) {
    throw new UserError(
      `${path} was written by a newer matrix-oob (state version ${version}; this one reads version 1)`,
      {
        hint: 'upgrade matrix-oob (npm install -g matrix-oob) and run the command again; nothing was changed.',
      },
    );
  }
  if (version !== 1) throw damaged(`"version" is ${JSON.stringify(version)}, not 1`);
  const state = data as Partial<DeployState>;
  if (
    state.deploy != null &&
    (typeof state.deploy !== 'object' ||
      !Array.isArray(state.deploy.plan) ||
      typeof state.deploy.stages !== 'object' ||
      state.deploy.stages === null)
  ) {
    throw damaged('"deploy" is not a deploy record');
  }
  return { ...state, version: 1, deploy: state.deploy ?? null };
}

export async function writeState(path: string, state: DeployState): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(state, null, 2)}\n`);
}

/** Replace one section, keeping every other section as it is on disk now. */
export async function writeSection(path: string, section: string, value: unknown): Promise<void> {
  await writeState(path, { ...(await readState(path)), [section]: value });
}

/**
 * The stages of `plan` still to run: all, unless the last run of the same plan stopped midway.
 * With `tags`, a stage only counts as finished when it ran with the same tags (so `--full`
 * after a failed plain run does not skip the setup-all it asks for).
 */
export function stagesToRun(
  state: DeployState,
  plan: readonly string[],
  tags?: Readonly<Record<string, readonly string[]>>,
): { run: string[]; skipped: string[] } {
  const last = state.deploy;
  if (!last || last.plan.join(',') !== plan.join(',')) return { run: [...plan], skipped: [] };
  const done = (s: string) => {
    const record = last.stages[s];
    return record?.status === 'finished' && (!tags?.[s] || record.tags.join(',') === tags[s]!.join(','));
  };
  const finished = plan.filter(done);
  if (finished.length === plan.length) return { run: [...plan], skipped: [] };
  const firstUnfinished = plan.findIndex((s) => !done(s));
  return { run: plan.slice(firstUnfinished), skipped: plan.slice(0, firstUnfinished) };
}
