import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

export const BIN = resolve(fileURLToPath(import.meta.url), '../../../bin/matrix-oob.js');

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Run the built CLI (npm test builds dist/ first); never a TTY, never prompts. */
export async function cli(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  const r = await execa('node', [BIN, ...args], {
    cwd: options.cwd,
    env: { NO_COLOR: '1', ...options.env },
    reject: false,
    stdin: 'ignore',
    timeout: 120_000,
  });
  return { exitCode: r.exitCode ?? 1, stdout: String(r.stdout), stderr: String(r.stderr) };
}
