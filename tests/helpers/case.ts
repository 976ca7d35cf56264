import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { stringify } from 'yaml';
import { BIN } from './cli.js';

/** A temporary case folder holding just matrix-oob.yml. */
export async function makeCase(
  config: Record<string, unknown>,
): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'matrix-oob-case-'));
  await writeFile(join(dir, 'matrix-oob.yml'), stringify(config), { mode: 0o600 });
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Spawn the built CLI and get the execa subprocess (to signal it mid-run); for a plain run and
 * its result, use runCli from ./cli.js.
 */
export function runCli(args: readonly string[], env: Record<string, string> = {}) {
  return execa('node', [BIN, ...args], {
    reject: false,
    stdin: 'ignore',
    env: { NO_COLOR: '1', ...env },
    timeout: 30_000,
  });
}
