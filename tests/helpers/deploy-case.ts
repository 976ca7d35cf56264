import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { type CliResult, runCli } from './cli.js';
import type { TestSshd } from './sshd.js';

export const CLI = resolve(fileURLToPath(import.meta.url), '../../../bin/matrix-oob.js');

export interface CaseOptions {
  domain?: string;
  homeserver?: string;
  element?: boolean;
  users?: { name: string; admin?: boolean }[];
  /** audio_video.stack (audio/video on), e.g. 'jitsi' for per-user Jitsi logins. */
  callStack?: 'element-call' | 'jitsi' | 'both';
}

/**
 * A case folder for the given sshd and fixture checkout, made as a user would: a config file,
 * `matrix-oob init --config FILE --yes DIR` (the built CLI), then the pinned host key that
 * `trust-host` would write.
 */
export function writeCase(dir: string, sshd: TestSshd, checkout: string, o: CaseOptions = {}): string {
  const domain = o.domain ?? 'example.test';
  const users = (o.users ?? []).map((u) => `  - name: ${u.name}\n    admin: ${u.admin === true}`).join('\n');
  const configFile = `${dir}.config.yml`;
  writeFileSync(
    configFile,
    [
      `domain: ${domain}`,
      'server:',
      `  address: ${sshd.host}`,
      `  ssh_port: ${sshd.port}`,
      `homeserver: ${o.homeserver ?? 'synapse'}`,
      `element: ${o.element ?? true}`,
      users ? `users:\n${users}` : 'users: []',
      o.callStack ? `audio_video:\n  enabled: true\n  stack: ${o.callStack}` : '',
      'playbook:',
      `  path: ${checkout}`,
      '',
    ].join('\n'),
  );
  execFileSync('node', [CLI, 'init', '--config', configFile, '--yes', dir], {
    stdio: 'pipe',
    env: { ...process.env, NO_COLOR: '1' },
  });
  writeFileSync(join(dir, 'known_hosts'), `${sshd.knownHostsLine}\n`, { mode: 0o600 });
  return dir;
}

/** The secrets init generated into vars.yml (to check that none leaks). */
export function caseSecrets(dir: string, domain = 'example.test'): string[] {
  const vars = readFileSync(join(dir, 'inventory', 'host_vars', `matrix.${domain}`, 'vars.yml'), 'utf8');
  return [
    ...vars.matchAll(
      /^(?:matrix_homeserver_generic_secret_key|postgres_connection_password): "?([^"\n]+)"?$/gm,
    ),
  ].map((m) => m[1]!);
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
