import type { Clock } from '../adapters/clock.js';
import { caseRedactor } from '../ansible/case.js';
import { journal } from '../case/journal.js';
import type { CasePaths } from '../case/paths.js';
import type { UpState } from '../case/state.js';
import { InterruptedError } from '../errors.js';
import type { Output } from '../ui/output.js';
import { position, stoppedAt } from './resume.js';
import { recordStep, UP_STEPS, type UpStepName } from './steps.js';

/** What a step reports back: a note for the progress line, or post-hook failures. */
export interface Outcome {
  /** Nothing to do (e.g. "present: <path>"): journaled as skipped, recorded as finished. */
  skipped?: string;
  note?: string;
  failedHooks?: string[];
}

export interface StepResult {
  step: UpStepName;
  result: 'ok' | 'skipped' | 'failed' | 'interrupted';
  note?: string;
  failed_hooks?: string[];
}

export function label(name: UpStepName): string {
  const spec = UP_STEPS.find((s) => s.name === name)!;
  return `up [${position(name)}] ${spec.title}`;
}

/**
 * Runs `up`'s steps one by one (docs/up.md): skips what finished in the run being resumed,
 * records each outcome in state.json and the journal, and turns a failure into the error that
 * names the step and the exact command that resumes.
 */
export class StepRunner {
  readonly results: StepResult[] = [];

  constructor(
    private readonly o: {
      paths: CasePaths;
      /** The playbook checkout: the journal redacts what MDAD derives from the secrets too. */
      checkout?: string;
      state: UpState;
      skip: Set<UpStepName>;
      out: Output;
      clock: Clock;
      signal: AbortSignal;
      /** The command that resumes this case (case folder and original flags). */
      resume: string;
      /** A better way on after this failure of this step, if there is one. */
      wayOn?: (step: UpStepName, err: unknown) => string | undefined;
    },
  ) {}

  async record(step: UpStepName, result: StepResult, ms: number, error?: string): Promise<void> {
    const { paths, state, clock } = this.o;
    this.results.push(result);
    const status =
      result.result === 'failed' ? 'failed' : result.result === 'interrupted' ? 'interrupted' : 'finished';
    await recordStep(
      paths.state,
      state,
      step,
      { status, ...(result.failed_hooks?.length ? { failed_hooks: result.failed_hooks } : {}) },
      clock,
    );
    await journal(
      paths.journal,
      {
        command: 'up',
        stage: step,
        result: result.result,
        duration_ms: Math.round(ms),
        ...(result.note ? { note: result.note } : {}),
        ...(result.failed_hooks?.length ? { failed_hooks: result.failed_hooks } : {}),
        ...(error ? { error } : {}),
      },
      // Only free text can hold a secret: the case's secrets are gathered (a scan of the
      // checkout's derivations) for a note or an error, not for every step.
      result.note || error ? await caseRedactor(paths, this.o.checkout) : undefined,
      clock,
    );
  }

  async run(name: UpStepName, body: () => Promise<Outcome | undefined>): Promise<void> {
    const { out, paths, clock, signal, resume } = this.o;
    if (this.o.skip.has(name)) {
      out.info(`==> ${label(name)}: finished in the run being resumed, skipping`);
      this.results.push({ step: name, result: 'skipped', note: 'finished earlier' });
      await journal(
        paths.journal,
        { command: 'up', stage: name, result: 'skipped', note: 'finished in the run being resumed' },
        undefined,
        clock,
      );
      return;
    }
    if (signal.aborted) {
      throw new InterruptedError(
        `up interrupted before step ${name} (${position(name)}); nothing of it ran. Resume with: ${resume}`,
        resume,
      );
    }
    out.info(`==> ${label(name)}`);
    const started = performance.now();
    try {
      const o = (await body()) ?? {};
      if (o.skipped) out.info(`    ${o.skipped}, skipping`);
      else if (o.note) out.info(`    ${o.note}`);
      await this.record(
        name,
        {
          step: name,
          result: o.skipped ? 'skipped' : 'ok',
          ...(o.skipped || o.note ? { note: o.skipped ?? o.note } : {}),
          ...(o.failedHooks?.length ? { failed_hooks: o.failedHooks } : {}),
        },
        performance.now() - started,
      );
    } catch (err) {
      const interrupted = err instanceof InterruptedError || signal.aborted;
      await this.record(
        name,
        { step: name, result: interrupted ? 'interrupted' : 'failed' },
        performance.now() - started,
        err instanceof Error ? err.message : String(err),
      ).catch(() => undefined);
      throw stoppedAt(name, err, {
        interrupted,
        resume: (interrupted ? undefined : this.o.wayOn?.(name, err)) ?? resume,
        data: { case_dir: paths.root, stopped_at: name, steps: this.results },
      });
    }
  }
}
