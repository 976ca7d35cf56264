import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { type Clock, fileStamp, systemClock } from '../adapters/clock.js';
import type { CasePaths } from '../case/paths.js';
import type { Redactor } from '../secrets/redact.js';
import { StatusLine } from '../ui/status-line.js';
import type { Terminal } from '../ui/terminal.js';
import { ansibleEnv, ansibleEnvOverrides } from './env.js';
import { findHint, type Hint } from './hints.js';
import { ProgressTracker, type TaskFailure } from './progress.js';
import { type Recap, RecapParser } from './recap.js';
import { LineSplitter, LogFile, stripAnsi, Tail } from './stream.js';

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
 * Run ansible-playbook: its own process group, output streamed line by line to the terminal
 * (redacted) and to a redacted log file, never buffered whole; the recap and the first failure
 * parsed on the fly. On abort the signal goes to the whole group, then SIGKILL after a grace
 * period; the promise settles only once the child has exited.
 */
export async function runPlaybook(req: RunPlaybookRequest): Promise<PlaybookResult> {
  const clock = req.clock ?? systemClock;
  const colour = req.terminal.colour;
  const command = playbookCommand(req, colour);
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

  if (req.signal?.aborted) {
    await log.close();
    return {
      exitCode: 130,
      interrupted: true,
      recap: {},
      failure: undefined,
      hint: undefined,
      logFile: logPath,
      durationMs: 0,
      command,
    };
  }

  const child = spawn(command.file, command.args, {
    cwd: command.cwd,
    env: {
      ...ansibleEnv({ knownHosts: req.caseCtx.paths.knownHosts, colour, base: req.env ?? process.env }),
      ...(req.controlDir ? { ANSIBLE_SSH_CONTROL_PATH_DIR: req.controlDir } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // A new session and process group: signals reach ansible-playbook and all its workers and
    // ssh children, and Ctrl-C on the terminal reaches only us (we forward it).
    detached: true,
  });

  let spawnError: NodeJS.ErrnoException | undefined;
  let interrupted = false;
  let killTimer: NodeJS.Timeout | undefined;
  const signalGroup = (sig: NodeJS.Signals) => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, sig);
    } catch {
      // ESRCH: the group is already gone.
    }
  };
  const onAbort = () => {
    interrupted = true;
    const reason = req.signal?.reason;
    const sig: NodeJS.Signals = reason === 'SIGTERM' || reason === 'SIGHUP' ? reason : 'SIGINT';
    signalGroup(sig);
    killTimer = setTimeout(() => signalGroup('SIGKILL'), req.killGraceMs ?? DEFAULT_GRACE_MS);
  };
  req.signal?.addEventListener('abort', onAbort, { once: true });

  let waitingForLog = false;
  const onLine = (line: string) => {
    const plain = stripAnsi(line);
    tracker.feed(plain);
    recap.feed(plain);
    const safe = redact(line);
    tail.push(stripAnsi(safe));
    status.line(safe);
    if (!log.write(line) && !waitingForLog) {
      // The disk is slower than the child: stop reading until the log catches up.
      waitingForLog = true;
      child.stdout?.pause();
      child.stderr?.pause();
      void log.drained().then(() => {
        waitingForLog = false;
        child.stdout?.resume();
        child.stderr?.resume();
      });
    }
  };
  const outSplitter = new LineSplitter(onLine);
  const errSplitter = new LineSplitter(onLine);
  child.stdout?.on('data', (c: Buffer) => outSplitter.push(c));
  child.stderr?.on('data', (c: Buffer) => errSplitter.push(c));
  const streamsDone = Promise.all([
    new Promise<void>((r) => child.stdout?.once('close', () => r()) ?? r()),
    new Promise<void>((r) => child.stderr?.once('close', () => r()) ?? r()),
  ]);

  status.start();
  const exitCode = await new Promise<number>((resolve) => {
    child.once('error', (err) => {
      spawnError = err;
      resolve(127);
    });
    child.once('exit', (code, sig) => resolve(code ?? (sig ? 128 + signalNumber(sig) : 1)));
  });
  // A grandchild that kept the pipes open must not hold us: give the streams a moment.
  await Promise.race([streamsDone, clock.sleep(2000).catch(() => undefined)]);
  child.stdout?.destroy();
  child.stderr?.destroy();
  outSplitter.end();
  errSplitter.end();
  tracker.end();
  status.stop();
  if (killTimer) clearTimeout(killTimer);
  req.signal?.removeEventListener('abort', onAbort);
  if (interrupted) signalGroup('SIGKILL'); // nothing of the run may outlive an interrupt
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
    exitCode: interrupted ? 130 : exitCode,
    interrupted,
    recap: recap.recap,
    failure: exitCode !== 0 ? failure : undefined,
    hint,
    logFile: logPath,
    durationMs,
    command,
  };
}

function signalNumber(sig: NodeJS.Signals): number {
  const table: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
  return table[sig] ?? 0;
}
