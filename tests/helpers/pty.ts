import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';

const ESC = String.fromCharCode(0x1b);
const ANSI = [
  new RegExp(`${ESC}\\[[0-9;?]*[ -/]*[@-~]`, 'g'), // CSI: colours, cursor moves, erase
  new RegExp(`${ESC}[()][0-9A-Za-z]`, 'g'), // character set selection
  new RegExp(`${ESC}[=>78]`, 'g'), // keypad modes, save/restore cursor
];

/** Remove ANSI escape sequences (colours, cursor moves, erase-line) and carriage returns. */
export function stripAnsi(text: string): string {
  return ANSI.reduce((t, re) => t.replace(re, ''), text).replace(/\r/g, '');
}

export const KEY = { enter: '\r', down: '\x1b[B', up: '\x1b[A', ctrlC: '\x03' } as const;

export interface Pty {
  /** Wait until `text` appears in the output after everything matched so far. */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
  send(keys: string): void;
  /** Wait for `text`, then type `keys`. */
  answer(text: string, keys: string): Promise<void>;
  /** Resolves with the command's exit code. */
  exit: Promise<number>;
  /** Everything printed so far, ANSI removed. */
  output(): string;
  kill(): void;
}

/**
 * Run a command on a real pseudo-terminal: util-linux `script` gives the child a pty, and we
 * talk to `script` through pipes (keys in, the terminal's output out). `-e` returns the child's
 * exit code, `-f` flushes output as it comes.
 */
export function spawnPty(
  command: string,
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Pty {
  const line = [command, ...args].map(shellQuote).join(' ');
  const child: ChildProcessWithoutNullStreams = spawn('script', ['-qfec', line, '/dev/null'], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let raw = '';
  let matched = 0;
  const onData = (d: Buffer) => {
    raw += d.toString('utf8');
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exit = new Promise<number>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : -1)));
  });
  let exited = false;
  void exit.then(() => {
    exited = true;
  });
  const pty: Pty = {
    output: () => stripAnsi(raw),
    async waitFor(text, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const clean = stripAnsi(raw);
        const at = clean.indexOf(text, matched);
        if (at >= 0) {
          matched = at + text.length;
          return;
        }
        if (exited || Date.now() > deadline) {
          throw new Error(
            `pty: ${exited ? 'the command exited' : 'timed out'} before printing ${JSON.stringify(text)}; its output since the last match:\n${clean.slice(matched)}`,
          );
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    send(keys) {
      child.stdin.write(keys);
    },
    async answer(text, keys) {
      await pty.waitFor(text);
      pty.send(keys);
    },
    exit,
    kill() {
      if (!exited) child.kill('SIGKILL');
    },
  };
  return pty;
}

function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./:=@-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
