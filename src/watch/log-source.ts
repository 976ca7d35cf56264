import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { sshBaseArgs } from '../ssh/known-hosts.js';
import type { SshTarget } from '../ssh/target.js';
import { shellQuote } from '../ui/shell.js';
import { type LogEvent, readJournalLine } from './log-lines.js';
import { CURSOR_PATTERN } from './store.js';

/**
 * The log source: the homeserver's journal, read over SSH with the case's pinned host key
 * (StrictHostKeyChecking=yes, only <case>/known_hosts: the same options as every other ssh
 * connection of matrix-oob), by the real `journalctl --output=json` on the server. It reads
 * from just after the saved cursor, so a restart neither repeats nor misses a line; without a
 * cursor it reads the whole journal of the Synapse units once.
 */
export interface LogSourceOptions {
  target: SshTarget;
  knownHosts: string;
  /** Prefix journalctl with `sudo -n` (ssh_user is not root). */
  become: boolean;
  /** Read this journal folder on the server (journalctl --directory) instead of the system journal. */
  journalDir?: string;
  /** Keep reading new lines as they come (journalctl --follow). */
  follow: boolean;
  timeoutSec?: number;
}

/** The Synapse units of an MDAD server (main process and workers). */
export const SYNAPSE_UNITS = ['matrix-synapse.service', 'matrix-synapse-worker-*'];

export function journalctlCommand(
  opts: Pick<LogSourceOptions, 'become' | 'journalDir' | 'follow'>,
  cursor?: string,
): string {
  if (cursor !== undefined && !CURSOR_PATTERN.test(cursor)) throw new Error('not a journald cursor');
  const args = [
    ...(opts.become ? ['sudo', '-n'] : []),
    'journalctl',
    ...(opts.journalDir ? [`--directory=${opts.journalDir}`] : []),
    ...SYNAPSE_UNITS.map((u) => `--unit=${u}`),
    '--output=json',
    '--no-pager',
    '--quiet',
    ...(cursor ? [`--after-cursor=${cursor}`] : []),
    ...(opts.follow ? ['--follow', ...(cursor ? [] : ['--lines=all'])] : []),
  ];
  return args.map(shellQuote).join(' ');
}

export function sshArgs(opts: LogSourceOptions, remoteCommand: string): string[] {
  const t = opts.target;
  return [
    ...sshBaseArgs({ ...t, knownHosts: opts.knownHosts }, opts.timeoutSec ?? 10, [
      '-o',
      'ServerAliveInterval=15',
      '-o',
      'ServerAliveCountMax=3',
    ]),
    '-T',
    '--',
    t.host,
    remoteCommand,
  ];
}

export interface LogReadResult {
  exitCode: number;
  /** ssh's and journalctl's last stderr lines (sanitised by the caller before display). */
  stderr: string;
  lines: number;
}

/**
 * Run journalctl on the server and hand each login event, then each line's cursor, to the
 * callbacks in order. Stops (killing ssh) when `signal` aborts. The cursor callback runs after
 * the event callback of the same line, so a saved cursor never skips an unhandled event.
 */
export function readJournal(
  opts: LogSourceOptions,
  cursor: string | undefined,
  on: { event(ev: LogEvent): Promise<void> | void; cursor(c: string): Promise<void> | void },
  signal?: AbortSignal,
): Promise<LogReadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('ssh', sshArgs(opts, journalctlCommand(opts, cursor)), {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LC_ALL: 'C' },
    });
    let stderr = '';
    let lines = 0;
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString('utf8')).slice(-4000);
    });
    const onAbort = () => child.kill('SIGTERM');
    signal?.addEventListener('abort', onAbort, { once: true });
    // Lines are handled one at a time, in order, even when a callback awaits. The first failure
    // (the state cannot be written, say) stops the reader: ssh is stopped, the read rejects with
    // it, and no later line is handled (its cursor would skip the failed one).
    let chain = Promise.resolve();
    let failed = false;
    const rl = createInterface({ input: child.stdout, crlfDelay: Number.POSITIVE_INFINITY });
    rl.on('line', (line) => {
      if (failed) return;
      chain = chain.then(async () => {
        lines += 1;
        const { event, cursor: c } = readJournalLine(line);
        if (event) await on.event(event);
        if (c) await on.cursor(c);
      });
      chain.catch(() => {
        if (failed) return;
        failed = true;
        rl.close();
        child.kill('SIGTERM');
      });
    });
    child.once('error', (err) => {
      signal?.removeEventListener('abort', onAbort);
      reject(err);
    });
    child.once('close', (code) => {
      signal?.removeEventListener('abort', onAbort);
      chain.then(
        () => resolve({ exitCode: code ?? 1, stderr, lines }),
        (err: unknown) => reject(err),
      );
    });
  });
}
