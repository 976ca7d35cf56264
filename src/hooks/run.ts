import type { Clock } from '../adapters/clock.js';
import type { LoadedCase } from '../config/load.js';
import type { Redactor } from '../secrets/redact.js';
import type { Output } from '../ui/output.js';
import type { Terminal } from '../ui/terminal.js';
import type { Hook, HookEvent } from './discover.js';

/** What running the hooks of an event needs. */
export interface HookContext {
  /** The case (config + paths). */
  loaded: LoadedCase;
  /** The MDAD checkout: the working directory of playbook hooks, so its ansible.cfg applies. */
  checkout?: string;
  terminal: Terminal;
  redactor: Redactor;
  out: Output;
  /** Abort forwards the signal to the running hook (like runPlaybook). */
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  /** Hook names (file names, with or without extension) not to run (`--skip-hook`). */
  skip?: readonly string[];
  clock?: Clock;
  /** Private ssh control folder of the calling command (see src/ansible/ssh-control.ts). */
  controlDir?: string;
  /** Overrides playbook-hooks/ (tests). */
  shippedDir?: string;
  /** The calling command, for the journal (e.g. "up", "teardown"). */
  command: string;
}

export interface HookOutcome {
  hook: Hook;
  exitCode: number;
  ok: boolean;
  interrupted: boolean;
  durationMs: number;
  logFile: string;
}

export interface HookRunSummary {
  event: HookEvent;
  outcomes: HookOutcome[];
  /** post-* hooks that failed (a failing pre-* hook throws instead). */
  failed: HookOutcome[];
}

/**
 * Run the hooks of one event in name order (docs/hooks.md). Each run is streamed, logged to
 * logs/<time>-hook-<event>-<name>.log (redacted) and journaled. A failing pre-* hook throws
 * FailureError (the flow stops); a failing post-* hook is reported and returned in `failed`;
 * an interrupt throws InterruptedError once the hook has stopped.
 */
export async function runHooks(_event: HookEvent, _ctx: HookContext): Promise<HookRunSummary> {
  throw new Error('runHooks: being implemented by the lead');
}
