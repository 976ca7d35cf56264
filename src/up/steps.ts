import type { Clock } from '../adapters/clock.js';
import { readState, type UpState, type UpStepRecord, writeSection } from '../case/state.js';
import type { HookEvent } from '../hooks/discover.js';

/**
 * The steps of `matrix-oob up`, in order (docs/up.md). How each behaves when `up` runs again:
 * - `present`: done when what it makes exists (inventory, checkout, pinned key); checked every run.
 * - `always`: cheap checks that gate the slow work (DNS, doctor); run every time.
 * - `once`: skipped when it finished in the run being resumed (hooks, deploy stages, users).
 */
export type StepKind = 'present' | 'always' | 'once';

export const UP_STEPS = [
  { name: 'init', kind: 'present', title: 'case folder and inventory (init)' },
  { name: 'dns', kind: 'always', title: 'DNS records (dns check --wait)' },
  { name: 'playbook', kind: 'present', title: 'playbook checkout (playbook fetch)' },
  { name: 'host-key', kind: 'present', title: 'SSH host key pinned (trust-host)' },
  { name: 'doctor', kind: 'always', title: 'preflight (doctor)' },
  { name: 'pre-setup', kind: 'once', title: 'pre-setup hooks', event: 'pre-setup' },
  { name: 'setup', kind: 'once', title: 'deploy stage setup' },
  { name: 'post-setup', kind: 'once', title: 'post-setup hooks', event: 'post-setup' },
  { name: 'start', kind: 'once', title: 'deploy stage start' },
  { name: 'post-start', kind: 'once', title: 'post-start hooks', event: 'post-start' },
  { name: 'users', kind: 'once', title: 'users (user add --all)' },
  { name: 'post-users', kind: 'once', title: 'post-users hooks', event: 'post-users' },
] as const satisfies readonly { name: string; kind: StepKind; title: string; event?: HookEvent }[];

export type UpStepName = (typeof UP_STEPS)[number]['name'];

export const STEP_NAMES: readonly UpStepName[] = UP_STEPS.map((s) => s.name);

/**
 * Which run this `up` is: a resume of the last one (it stopped before its end) or a new one
 * (none yet, the last one completed, or --from-start). A resume skips its finished `once` steps.
 */
export function planRun(
  last: UpState | null | undefined,
  options: { fromStart: boolean; now: string },
): { state: UpState; resume: boolean; skip: Set<UpStepName> } {
  if (!last || last.finished_at || options.fromStart || typeof last.steps !== 'object') {
    return { state: { started_at: options.now, steps: {} }, resume: false, skip: new Set() };
  }
  // The finished `once` steps before the first one that did not finish (the order matters:
  // a later step is never skipped when an earlier one runs again).
  const skip = new Set<UpStepName>();
  for (const s of UP_STEPS) {
    if (s.kind !== 'once') continue;
    if (last.steps[s.name]?.status !== 'finished') break;
    skip.add(s.name);
  }
  return { state: { started_at: last.started_at, steps: { ...last.steps } }, resume: true, skip };
}

/** The `up` section of state.json (the other sections are kept as they are). */
export async function readUpState(statePath: string): Promise<UpState | null> {
  const up = (await readState(statePath)).up;
  return up && typeof up === 'object' ? up : null;
}

export async function recordStep(
  statePath: string,
  state: UpState,
  step: UpStepName,
  record: Omit<UpStepRecord, 'at'>,
  clock: Clock,
): Promise<void> {
  state.steps[step] = { ...record, at: clock.now().toISOString() };
  await writeSection(statePath, 'up', state);
}

export async function recordFinished(statePath: string, state: UpState, clock: Clock): Promise<void> {
  state.finished_at = clock.now().toISOString();
  await writeSection(statePath, 'up', state);
}

/** Post-hook failures recorded in this run (also for steps skipped on resume). */
export function hookFailures(state: UpState): { event: string; hook: string }[] {
  const out: { event: string; hook: string }[] = [];
  for (const s of UP_STEPS) {
    for (const hook of state.steps[s.name]?.failed_hooks ?? []) out.push({ event: s.name, hook });
  }
  return out;
}
