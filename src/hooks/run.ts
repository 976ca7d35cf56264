import { dirname, join } from 'node:path';
import { type Clock, fileStamp, systemClock } from '../adapters/clock.js';
import { runStreamedChild } from '../adapters/streamed-child.js';
import { runPlaybook } from '../ansible/run.js';
import { LogFile } from '../ansible/stream.js';
import { failureDetails } from '../ansible/summary.js';
import { journal } from '../case/journal.js';
import type { LoadedCase } from '../config/load.js';
import { FailureError, InterruptedError } from '../errors.js';
import type { Redactor } from '../secrets/redact.js';
import type { Output } from '../ui/output.js';
import type { Terminal } from '../ui/terminal.js';
import { discoverHooks, type Hook, type HookEvent } from './discover.js';
import { CLI_PATH, hookEnv } from './env.js';

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

const DEFAULT_GRACE_MS = 10_000;

/**
 * Run the hooks of one event in name order (docs/hooks.md). Each run is streamed, logged to
 * logs/<time>-hook-<event>-<name>.log (redacted) and journaled. A failing pre-* hook throws
 * FailureError (the flow stops); a failing post-* hook is reported and returned in `failed`;
 * an interrupt throws InterruptedError once the hook has stopped.
 */
export async function runHooks(event: HookEvent, ctx: HookContext): Promise<HookRunSummary> {
  const { paths } = ctx.loaded;
  const discovery = await discoverHooks(event, {
    caseHooksDir: paths.hooksDir,
    ...(ctx.shippedDir ? { shippedDir: ctx.shippedDir } : {}),
    ...(ctx.skip ? { skip: ctx.skip } : {}),
  });
  for (const i of discovery.ignored) ctx.out.warn(`hook ${i.path} is ignored: ${i.reason}`);
  const summary: HookRunSummary = { event, outcomes: [], failed: [] };
  for (const hook of discovery.hooks) {
    if (ctx.signal?.aborted) throw new InterruptedError(`interrupted before the ${event} hook ${hook.name}`);
    ctx.out.info(`==> hook ${event}/${hook.name} (${hook.origin} ${hook.kind})`);
    const outcome =
      hook.kind === 'playbook' ? await runPlaybookHook(hook, ctx) : await runExecutableHook(hook, ctx);
    summary.outcomes.push(outcome);
    await journal(
      paths.journal,
      {
        command: ctx.command,
        stage: `hook ${event}`,
        hook: hook.name,
        origin: hook.origin,
        result: outcome.interrupted ? 'interrupted' : outcome.ok ? 'ok' : 'failed',
        exit_code: outcome.exitCode,
        duration_ms: outcome.durationMs,
        log: outcome.logFile,
      },
      ctx.redactor,
      ctx.clock ?? systemClock,
    );
    if (outcome.interrupted) {
      throw new InterruptedError(
        `interrupted during the ${event} hook ${hook.name} (log ${outcome.logFile})`,
      );
    }
    if (outcome.ok) {
      ctx.out.info(`hook ${event}/${hook.name}: ok`);
      continue;
    }
    if (event.startsWith('pre-')) {
      throw new FailureError(
        `${event} hook ${hook.name} failed (exit ${outcome.exitCode}): stopping before the next step`,
        {
          details: [`log: ${outcome.logFile}`],
          hint: `fix what the hook reports above and run the command again; to skip this hook: --skip-hook ${hook.name}`,
        },
      );
    }
    ctx.out.warn(
      `${event} hook ${hook.name} failed (exit ${outcome.exitCode}); going on. Log: ${outcome.logFile}`,
    );
    summary.failed.push(outcome);
  }
  return summary;
}

function logName(hook: Hook): string {
  return `hook-${hook.event}-${hook.name.replace(/[^A-Za-z0-9._-]/g, '_')}`;
}

async function runPlaybookHook(hook: Hook, ctx: HookContext): Promise<HookOutcome> {
  const result = await runPlaybook({
    caseCtx: { paths: ctx.loaded.paths, checkout: ctx.checkout ?? dirname(hook.path) },
    playbook: hook.path,
    stage: logName(hook),
    terminal: ctx.terminal,
    redactor: ctx.redactor,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    ...(ctx.env ? { env: ctx.env } : {}),
    ...(ctx.clock ? { clock: ctx.clock } : {}),
    ...(ctx.controlDir ? { controlDir: ctx.controlDir } : {}),
  });
  if (result.exitCode !== 0 && !result.interrupted) {
    for (const line of failureDetails(result)) ctx.out.info(`  ${line}`);
  }
  return {
    hook,
    exitCode: result.exitCode,
    ok: result.exitCode === 0,
    interrupted: result.interrupted,
    durationMs: result.durationMs,
    logFile: result.logFile,
  };
}

async function runExecutableHook(hook: Hook, ctx: HookContext): Promise<HookOutcome> {
  const clock = ctx.clock ?? systemClock;
  const { config, paths } = ctx.loaded;
  const logFile = join(paths.logsDir, `${fileStamp(clock.now())}-${logName(hook)}.log`);
  const log = await LogFile.open(logFile, ctx.redactor);
  log.write(`# ${hook.path}`);
  const started = clock.monotonic();
  const prefix = `[${hook.name}] `;
  const exit = await runStreamedChild({
    file: hook.path,
    args: [],
    cwd: paths.root,
    env: { ...(ctx.env ?? process.env), ...hookEnv(config, paths, hook.event, CLI_PATH) },
    onLine: (line) => ctx.terminal.write(`${prefix}${ctx.redactor.redact(line)}\n`),
    log,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    killGraceMs: DEFAULT_GRACE_MS,
    clock,
  });
  const durationMs = Math.round(clock.monotonic() - started);
  if (exit.spawnError) ctx.out.error(`cannot start hook ${hook.path}: ${exit.spawnError.message}`);
  log.write(`# exit ${exit.exitCode}${exit.interrupted ? ' (interrupted)' : ''} after ${durationMs} ms`);
  await log.close();
  return {
    hook,
    exitCode: exit.exitCode,
    ok: exit.exitCode === 0,
    interrupted: exit.interrupted,
    durationMs,
    logFile,
  };
}
