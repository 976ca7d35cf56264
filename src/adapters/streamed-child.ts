import { spawn } from 'node:child_process';
import type { LogFile } from '../ansible/stream.js';
import { LineSplitter } from '../ansible/stream.js';
import type { Clock } from './clock.js';

/**
 * A long child process whose output is streamed line by line (ansible-playbook, hooks).
 * The child gets its own session and process group, so a signal reaches it and everything it
 * started, and Ctrl-C on the terminal reaches only us (we forward it). Nothing is buffered
 * whole: each line goes to `onLine` and to the log, and the pipes pause while the log catches up.
 */
export interface StreamedChildRequest {
  file: string;
  args: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Every line of stdout and stderr, as it arrives (raw: the caller redacts what it shows). */
  onLine(line: string): void;
  /** The redacted log copy; its backpressure pauses the child's pipes. */
  log: LogFile;
  /** Aborting forwards the signal named by `signal.reason` ('SIGINT' default) to the group. */
  signal?: AbortSignal;
  /** Aborting (after `signal`) kills the group at once instead of waiting for the grace period. */
  forceSignal?: AbortSignal;
  /** After forwarding a signal, wait this long before SIGKILL. */
  killGraceMs: number;
  clock: Clock;
  /** Told when a signal was forwarded (for a status message). */
  onForward?(signal: NodeJS.Signals, graceMs: number): void;
}

export interface StreamedChildExit {
  exitCode: number;
  interrupted: boolean;
  spawnError?: NodeJS.ErrnoException;
}

export async function runStreamedChild(req: StreamedChildRequest): Promise<StreamedChildExit> {
  if (req.signal?.aborted) return { exitCode: 130, interrupted: true };
  const child = spawn(req.file, [...req.args], {
    cwd: req.cwd,
    env: req.env,
    stdio: ['ignore', 'pipe', 'pipe'],
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
    req.onForward?.(sig, req.killGraceMs);
    killTimer = setTimeout(() => signalGroup('SIGKILL'), req.killGraceMs);
  };
  const onForce = () => {
    if (interrupted) signalGroup('SIGKILL');
  };
  req.signal?.addEventListener('abort', onAbort, { once: true });
  req.forceSignal?.addEventListener('abort', onForce, { once: true });

  let waitingForLog = false;
  const onLine = (line: string) => {
    req.onLine(line);
    if (!req.log.write(line) && !waitingForLog) {
      // The disk is slower than the child: stop reading until the log catches up.
      waitingForLog = true;
      child.stdout?.pause();
      child.stderr?.pause();
      void req.log.drained().then(() => {
        waitingForLog = false;
        child.stdout?.resume();
        child.stderr?.resume();
      });
    }
  };
  // A line too long to hold is passed on in pieces, never cut inside a secret.
  const cut = (text: string, at: number) => req.log.safeCut(text, at);
  const outSplitter = new LineSplitter(onLine, cut);
  const errSplitter = new LineSplitter(onLine, cut);
  child.stdout?.on('data', (c: Buffer) => outSplitter.push(c));
  child.stderr?.on('data', (c: Buffer) => errSplitter.push(c));
  const streamsDone = Promise.all([
    new Promise<void>((r) => child.stdout?.once('close', () => r()) ?? r()),
    new Promise<void>((r) => child.stderr?.once('close', () => r()) ?? r()),
  ]);

  const exitCode = await new Promise<number>((resolve) => {
    child.once('error', (err) => {
      spawnError = err;
      resolve(127);
    });
    child.once('exit', (code, sig) => resolve(code ?? (sig ? 128 + signalNumber(sig) : 1)));
  });
  // A grandchild that kept the pipes open must not hold us: give the streams a moment.
  const grace = new AbortController();
  await Promise.race([streamsDone, req.clock.sleep(2000, grace.signal).catch(() => undefined)]);
  grace.abort();
  child.stdout?.destroy();
  child.stderr?.destroy();
  outSplitter.end();
  errSplitter.end();
  if (killTimer) clearTimeout(killTimer);
  req.signal?.removeEventListener('abort', onAbort);
  req.forceSignal?.removeEventListener('abort', onForce);
  if (interrupted) signalGroup('SIGKILL'); // nothing of the run may outlive an interrupt
  return { exitCode: interrupted ? 130 : exitCode, interrupted, ...(spawnError ? { spawnError } : {}) };
}

function signalNumber(sig: NodeJS.Signals): number {
  const table: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
  return table[sig] ?? 0;
}
