import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = join(ROOT, 'bin/matrix-oob.js');

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved as they came. */
  all: string;
}

/** Run the built CLI (npm test builds dist/ first), never on a TTY, without colour. */
export async function runCli(
  args: readonly string[],
  options: {
    cwd?: string;
    env?: NodeJS.ProcessEnv;
    input?: string;
    extendEnv?: boolean;
    /** Default 120 s. */
    timeoutMs?: number;
  } = {},
): Promise<CliResult> {
  const r = await execa('node', [BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    env: { NO_COLOR: '1', ...options.env },
    extendEnv: options.extendEnv ?? true,
    all: true,
    input: options.input,
    stdin: options.input === undefined ? 'ignore' : 'pipe',
    reject: false,
    timeout: options.timeoutMs ?? Number(process.env.CLI_TIMEOUT_MS ?? 120_000),
  });
  return {
    exitCode: r.exitCode ?? -1,
    stdout: String(r.stdout),
    stderr: String(r.stderr),
    all: String(r.all),
  };
}

/** A temporary folder removed by the returned cleanup. */
export function tempDir(prefix = 'matrix-oob-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
