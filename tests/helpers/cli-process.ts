import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { BIN, type CliResult, runCli } from './cli.js';
import type { TestSshd } from './sshd.js';

/** The built CLI as a process: run it, start it in the background, watch what it spawns. */

export const CLI = resolve(fileURLToPath(import.meta.url), '../../../bin/matrix-oob.js');

/**
 * Spawn the built CLI and get the execa subprocess (to signal it mid-run); for a plain run and
 * its result, use runCli from ./cli.js.
 */
export function spawnCli(args: readonly string[], env: Record<string, string> = {}) {
  return execa('node', [BIN, ...args], {
    reject: false,
    stdin: 'ignore',
    env: { NO_COLOR: '1', ...env },
    timeout: 30_000,
  });
}

/** The built CLI, as a user runs it, with exactly `env` (nothing inherited). */
export function cli(
  args: string[],
  env: NodeJS.ProcessEnv,
  options: { input?: string } = {},
): Promise<CliResult> {
  return runCli(args, {
    env,
    extendEnv: false,
    ...(options.input !== undefined ? { input: options.input } : {}),
  });
}

/**
 * The built CLI started in the background (to signal it mid-run). `waitFor(text)` resolves once
 * its output contains `text` and fails with the output so far when it never does.
 */
export function startCli(args: string[], env: NodeJS.ProcessEnv) {
  const child = execa('node', [CLI, ...args], { env, extendEnv: false, reject: false, all: true });
  let output = '';
  child.all?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  return {
    child,
    async waitFor(text: string, timeoutMs = 60_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!output.includes(text)) {
        if (Date.now() > deadline) throw new Error(`"${text}" never appeared; output so far:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}

/** Every process's argument list right now (those we can read). */
export function allCmdlines(): { pid: string; cmdline: string }[] {
  const out: { pid: string; cmdline: string }[] = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      out.push({ pid, cmdline: readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ') });
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/** ansible-playbook processes whose command line mentions `marker` (e.g. the case folder). */
export function ansibleProcesses(marker: string): string[] {
  return allCmdlines()
    .filter((p) => p.cmdline.includes('ansible-playbook') && p.cmdline.includes(marker))
    .map((p) => p.pid);
}

/**
 * The environment of a CLI run against the fixture playbook and `sshd`: the client key, the
 * fixture's data folder `<dir>/data`, no colour, no DNS gate, a private TMPDIR (`<dir>/tmp`).
 */
export function fixtureEnv(dir: string, sshd: TestSshd, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ANSIBLE_PRIVATE_KEY_FILE: sshd.clientKey,
    MDAD_FIXTURE_DATA: join(dir, 'data'),
    NO_COLOR: '1',
    MATRIX_OOB_SKIP_DNS_CHECK: '1',
    TMPDIR: join(dir, 'tmp'),
    ...extra,
  };
  delete env.FORCE_COLOR;
  return env;
}

/**
 * The environment the CLI runs the fixture playbook with on a two-server case: both client keys,
 * each host's data in `<data>/<host>`, no DNS gate (no DNS on loopback), no colour.
 */
export function fallbackEnv(
  main: TestSshd,
  fallback: TestSshd,
  data: string,
  tmp: string,
  extra: NodeJS.ProcessEnv = {},
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ANSIBLE_SSH_EXTRA_ARGS: `-o IdentityFile=${main.clientKey} -o IdentityFile=${fallback.clientKey}`,
    MDAD_FIXTURE_DATA: data,
    MDAD_FIXTURE_PER_HOST: '1',
    NO_COLOR: '1',
    TMPDIR: tmp,
    MATRIX_OOB_SKIP_DNS_CHECK: '1',
    ...extra,
  };
  delete env.FORCE_COLOR;
  return env;
}
