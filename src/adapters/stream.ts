import { spawn } from 'node:child_process';

/**
 * Child processes whose output is shown while they run (git clone, ansible-galaxy install).
 * Arguments are an array (no shell); never put a secret in them. On a TTY the child writes
 * straight to our stderr, so its own progress display (git's counters) works; otherwise each
 * line is handed to `onLine` as it arrives. stdout is never used, so --json stays clean.
 */
export interface StreamOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Let the child draw on the terminal (stderr) directly. */
  tty?: boolean;
  onLine?: (line: string) => void;
  /** How many trailing lines to keep for the error message. */
  tailLines?: number;
  /** Aborting sends the child SIGTERM (Ctrl-C on a terminal already reaches it directly). */
  signal?: AbortSignal;
}

export interface StreamResult {
  exitCode: number;
  /** The last lines of output (empty in tty mode). */
  tail: string[];
  notFound: boolean;
}

export type Stream = (
  file: string,
  args: readonly string[],
  options?: StreamOptions,
) => Promise<StreamResult>;

export const stream: Stream = (file, args, options = {}) =>
  new Promise((resolve, reject) => {
    const keep = options.tailLines ?? 20;
    const tail: string[] = [];
    const child = spawn(file, [...args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: options.tty ? ['ignore', 2, 2] : ['ignore', 'pipe', 'pipe'],
      // Its own process group, so that stopping it also stops what it started (git's
      // index-pack, ansible-galaxy's tar); Ctrl-C reaches it through `signal`.
      detached: options.signal !== undefined,
    });
    // stdout and stderr each get their own line buffer.
    const [outLines, errLines] = [lineSplitter(onLine), lineSplitter(onLine)];
    function onLine(line: string) {
      if (line.trim() === '') return;
      tail.push(line);
      if (tail.length > keep) tail.shift();
      options.onLine?.(line);
    }
    const stop = () => {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        child.kill('SIGTERM');
      }
    };
    options.signal?.addEventListener('abort', stop, { once: true });
    child.stdout?.on('data', outLines.push);
    child.stderr?.on('data', errLines.push);
    child.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') resolve({ exitCode: 127, tail, notFound: true });
      else reject(err);
    });
    child.once('close', (code, signal) => {
      options.signal?.removeEventListener('abort', stop);
      outLines.end();
      errLines.end();
      resolve({ exitCode: code ?? (signal ? 128 + signalNumber(signal) : 1), tail, notFound: false });
    });
  });

function lineSplitter(emit: (line: string) => void): { push: (chunk: Buffer) => void; end: () => void } {
  let partial = '';
  return {
    push: (chunk) => {
      const parts = (partial + chunk.toString('utf8')).split(/\r?\n|\r/);
      partial = parts.pop() ?? '';
      for (const line of parts) emit(line);
    },
    end: () => {
      if (partial !== '') emit(partial);
      partial = '';
    },
  };
}

function signalNumber(signal: NodeJS.Signals): number {
  return signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : signal === 'SIGKILL' ? 9 : 1;
}
