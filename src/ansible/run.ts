import { join } from 'node:path';
import { type Clock, fileStamp, systemClock } from '../adapters/clock.js';
import { runStreamedChild } from '../adapters/streamed-child.js';
import type { CasePaths } from '../case/paths.js';
import type { Redactor } from '../secrets/redact.js';
import { StatusLine } from '../ui/status-line.js';
import type { Terminal } from '../ui/terminal.js';
import { ansibleEnv, ansibleEnvOverrides } from './env.js';
import { findHint, type Hint } from './hints.js';
import { ProgressTracker, type TaskFailure } from './progress.js';
import { type Recap, RecapParser } from './recap.js';
import { LogFile, stripAnsi, Tail } from './stream.js';

/** What a run needs from the case: where the inventory, known_hosts and logs are. */
export interface AnsibleCase {
  paths: Pick<CasePaths, 'hosts' | 'knownHosts' | 'logsDir'>;
  /** The MDAD checkout (config.playbook.path): the working directory, so its ansible.cfg applies. */
  checkout: string;
}

export interface PlaybookCommand {
  file: string;
  args: string[];
  cwd: string;
  /** Only the variables we add to the inherited environment. */
  envOverrides: Record<string, string>;
}

export interface RunPlaybookRequest {
  caseCtx: AnsibleCase;
  /** Relative to the checkout; MDAD's is setup.yml. */
  playbook?: string;
  tags?: readonly string[];
  /** Passed as `-e @file` (secrets never go on the command line). */
  extraVarsFile?: string;
  /** Passed through after ours (e.g. -v, --check, --limit). */
  extraArgs?: readonly string[];
  /** Names the log file and the status line. */
  stage: string;
  terminal: Terminal;
  redactor: Redactor;
  /** Aborting forwards the signal named by `signal.reason` ('SIGINT' default) to the run. */
  signal?: AbortSignal;
  /** Aborting (after `signal`) kills the run at once instead of waiting for the grace period. */
  forceSignal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  clock?: Clock;
  /** After forwarding a signal, wait this long before SIGKILL. */
  killGraceMs?: number;
  /** Private folder for ssh master sockets (see ssh-control.ts); default: Ansible's. */
  controlDir?: string;
}

export interface PlaybookResult {
  exitCode: number;
  interrupted: boolean;
  recap: Recap;
  failure: TaskFailure | undefined;
  hint: Hint | undefined;
  logFile: string;
  durationMs: number;
  /** The command as run (no secrets in it). */
  command: PlaybookCommand;
}

export function playbookCommand(
  req: Pick<RunPlaybookRequest, 'caseCtx' | 'playbook' | 'tags' | 'extraVarsFile' | 'extraArgs'>,
  colour: boolean,
): PlaybookCommand {
  const args = ['-i', req.caseCtx.paths.hosts, req.playbook ?? 'setup.yml'];
  if (req.tags && req.tags.length > 0) args.push(`--tags=${req.tags.join(',')}`);
  if (req.extraVarsFile) args.push('-e', `@${req.extraVarsFile}`);
  args.push(...(req.extraArgs ?? []));
  return {
    file: 'ansible-playbook',
    args,
    cwd: req.caseCtx.checkout,
    envOverrides: ansibleEnvOverrides({ knownHosts: req.caseCtx.paths.knownHosts, colour }),
  };
}

const DEFAULT_GRACE_MS = 10_000;

/**
 * Refuse (UserError, exit 2) a run whose inventory, vars files, pass-through arguments,
 * environment, ansible.cfg or ssh config would weaken the pinned host key (src/ssh/pin-guard.ts).
 */
export async function assertPinHoldsFor(
  caseCtx: AnsibleCase,
  extraArgs: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const guard = await import('../ssh/pin-guard.js');
  const ssh = await import('../ssh/pin-ssh.js');
  const input = {
    hostsFile: caseCtx.paths.hosts,
    checkout: caseCtx.checkout,
    cwd: caseCtx.checkout,
    extraArgs,
    env,
  };
  guard.assertPinHolds(input);
  const target = ssh.inventoryTarget(caseCtx.paths.hosts);
  if (!target) return;
  const { capture } = await import('../adapters/process.js');
  const problems = await ssh.sshConfigProblems(
    target,
    caseCtx.paths.knownHosts,
    ssh.extraSshArgs(input),
    capture,
    env,
  );
  if (problems.length > 0) guard.assertPinHolds({ ...input, extra: problems });
}

/**
 * Run ansible-playbook: its own process group, output streamed line by line to the terminal
 * (redacted) and to a redacted log file, never buffered whole; the recap and the first failure
 * parsed on the fly. On abort the signal goes to the whole group, then SIGKILL after a grace
 * period; the promise settles only once the child has exited.
 */
export async function runPlaybook(req: RunPlaybookRequest): Promise<PlaybookResult> {
  const clock = req.clock ?? systemClock;
  const colour = req.terminal.colour;
  const command = playbookCommand(req, colour);
  const baseEnv = req.env ?? process.env;
  // Before anything connects (or a log is opened): nothing may weaken the pinned host key.
  await assertPinHoldsFor(req.caseCtx, req.extraArgs ?? [], baseEnv);
  const logPath = join(req.caseCtx.paths.logsDir, `${fileStamp(clock.now())}-${req.stage}.log`);
  const log = await LogFile.open(logPath, req.redactor);
  const started = clock.monotonic();
  const tracker = new ProgressTracker();
  const recap = new RecapParser();
  const tail = new Tail(200);
  const status = new StatusLine(req.terminal, () => ({
    stage: req.stage,
    task: tracker.task,
    tasksDone: Math.max(0, tracker.tasksStarted - 1),
    elapsedMs: clock.monotonic() - started,
  }));
  const redact = (s: string) => (req.redactor.size > 0 ? req.redactor.redact(s) : s);

  log.write(`# ${command.file} ${command.args.join(' ')}`);
  log.write(`# cwd ${command.cwd}`);

  const graceMs = req.killGraceMs ?? DEFAULT_GRACE_MS;
  status.start();
  const exit = await runStreamedChild({
    file: command.file,
    args: command.args,
    cwd: command.cwd,
    env: {
      ...ansibleEnv({ knownHosts: req.caseCtx.paths.knownHosts, colour, base: baseEnv }),
      ...(req.controlDir ? { ANSIBLE_SSH_CONTROL_PATH_DIR: req.controlDir } : {}),
    },
    onLine: (line) => {
      const plain = stripAnsi(line);
      tracker.feed(plain);
      recap.feed(plain);
      const safe = redact(line);
      tail.push(stripAnsi(safe));
      status.line(safe);
    },
    log,
    ...(req.signal ? { signal: req.signal } : {}),
    ...(req.forceSignal ? { forceSignal: req.forceSignal } : {}),
    killGraceMs: graceMs,
    clock,
    onForward: (sig, grace) =>
      status.line(
        `matrix-oob: ${sig} sent to ansible-playbook; waiting up to ${Math.round(grace / 1000)} s for it to stop${req.forceSignal ? ' (Ctrl-C again to kill it now)' : ''}`,
      ),
  });
  const { exitCode, interrupted, spawnError } = exit;
  tracker.end();
  status.stop();
  const durationMs = Math.round(clock.monotonic() - started);
  log.write(`# exit ${exitCode}${interrupted ? ' (interrupted)' : ''} after ${durationMs} ms`);
  await log.close();

  let failure = tracker.failure;
  if (spawnError) {
    failure = {
      task: undefined,
      host: undefined,
      kind: 'error',
      message:
        spawnError.code === 'ENOENT'
          ? 'ansible-playbook is not installed (not found on PATH)'
          : `cannot start ansible-playbook: ${spawnError.message}`,
    };
  }
  if (failure) failure = { ...failure, message: redact(failure.message) };
  const hint = exitCode !== 0 && !interrupted ? findHint(failure?.message ?? '', tail.text()) : undefined;
  return {
    exitCode,
    interrupted,
    recap: recap.recap,
    failure: exitCode !== 0 ? failure : undefined,
    hint,
    logFile: logPath,
    durationMs,
    command,
  };
}
