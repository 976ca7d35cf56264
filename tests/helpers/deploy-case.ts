import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { FIXTURE_EXPECTED_VERSION } from './mdad-fixture.js';
import type { TestSshd } from './sshd.js';

export const CLI = resolve(fileURLToPath(import.meta.url), '../../../bin/matrix-oob.js');

export interface CaseOptions {
  domain?: string;
  homeserver?: string;
  element?: boolean;
  users?: { name: string; admin?: boolean }[];
}

/**
 * A case folder written by hand (config, inventory, vars.yml, pinned known_hosts) for the
 * given sshd and fixture checkout, as `init` + `trust-host` would leave it.
 */
export function writeCase(dir: string, sshd: TestSshd, checkout: string, o: CaseOptions = {}): string {
  const domain = o.domain ?? 'example.test';
  mkdirSync(join(dir, 'inventory', 'host_vars', `matrix.${domain}`), { recursive: true, mode: 0o700 });
  const users = (o.users ?? []).map((u) => `  - name: ${u.name}\n    admin: ${u.admin === true}`).join('\n');
  writeFileSync(
    join(dir, 'matrix-oob.yml'),
    [
      `domain: ${domain}`,
      'server:',
      `  address: ${sshd.host}`,
      `  ssh_port: ${sshd.port}`,
      `homeserver: ${o.homeserver ?? 'synapse'}`,
      `element: ${o.element ?? true}`,
      users ? `users:\n${users}` : 'users: []',
      'playbook:',
      `  path: ${checkout}`,
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'inventory', 'hosts'),
    `[matrix_servers]\nmatrix.${domain} ansible_host=${sshd.host} ansible_port=${sshd.port} ansible_ssh_user=root\n`,
  );
  writeFileSync(
    join(dir, 'inventory', 'host_vars', `matrix.${domain}`, 'vars.yml'),
    [
      `matrix_playbook_migration_validated_version: ${FIXTURE_EXPECTED_VERSION}`,
      `matrix_domain: ${domain}`,
      `matrix_homeserver_implementation: ${o.homeserver ?? 'synapse'}`,
      `matrix_homeserver_generic_secret_key: '${'k'.repeat(60)}GSK1'`,
      'matrix_playbook_reverse_proxy_type: playbook-managed-traefik',
      "postgres_connection_password: 'pgPASSpgPASS42'",
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  writeFileSync(join(dir, 'known_hosts'), `${sshd.knownHostsLine}\n`, { mode: 0o600 });
  return dir;
}

/** The built CLI, as a user runs it. */
export interface CliResult {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  all: string;
}

export async function cli(
  args: string[],
  env: NodeJS.ProcessEnv,
  options: { input?: string } = {},
): Promise<CliResult> {
  const r = await execa('node', [CLI, ...args], {
    env,
    extendEnv: false,
    reject: false,
    all: true,
    input: options.input,
    stdin: options.input === undefined ? 'ignore' : 'pipe',
  });
  return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr), all: String(r.all) };
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
