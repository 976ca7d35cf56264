import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { CLI } from './cli-process.js';
import type { TestSshd } from './sshd.js';

/**
 * The one way tests build a case folder, for each need:
 * - makeCase(config): just matrix-oob.yml in a temporary folder (commands that read a config);
 * - writeHandCase(root, options): every file written by hand, each bendable into one failure;
 * - writeCase(dir, sshd, checkout, options): made as a user would (`init --config`, then the
 *   pinned host keys), for runs against the fixture playbook and loopback sshd servers;
 * - writeFallbackCase: writeCase with one fallback server.
 * A suite that runs the fixture playbook gets its sshd, checkout and case from fixtureSuite
 * (./fixture-suite.ts), which calls writeCase or writeFallbackCase.
 */

/** A temporary case folder holding just matrix-oob.yml. */
export async function makeCase(
  config: Record<string, unknown>,
): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'matrix-oob-case-'));
  await writeFile(join(dir, 'matrix-oob.yml'), stringify(config), { mode: 0o600 });
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * A minimal case folder written by hand (the layout of src/case/paths.ts), for tests of the
 * commands that read a case. Every part can be bent to produce one failure mode.
 */
export interface HandCaseOptions {
  domain?: string;
  address?: string;
  port?: number;
  /** Extra lines for matrix-oob.yml (e.g. a playbook: block). */
  configExtra?: string;
  /** The whole inventory/hosts text (default: [matrix_servers] with matrix.<domain>). */
  hosts?: string;
  /** Name of the host_vars folder (default: matrix.<domain>). */
  hostVarsName?: string;
  /** vars.yml text (default: a minimal one with a secret and the validated version). */
  vars?: string;
  validatedVersion?: string;
}

export const HAND_SECRET = 'S3cr3tGenericKeyThatMustNeverBePrinted0123456789abcdefghijklmnopq';

export function writeHandCase(root: string, o: HandCaseOptions = {}): { root: string; vars: string } {
  const domain = o.domain ?? 'example.test';
  const address = o.address ?? '127.0.0.1';
  const port = o.port ?? 22;
  mkdirSync(root, { recursive: true, mode: 0o700 });
  writeFileSync(
    join(root, 'matrix-oob.yml'),
    `# Case for tests: comments must survive edits.\ndomain: ${domain} # base domain\nserver:\n  address: ${address}\n  ssh_port: ${port}\n${o.configExtra ?? ''}`,
    { mode: 0o600 },
  );
  const host = `matrix.${domain}`;
  mkdirSync(join(root, 'inventory'), { recursive: true, mode: 0o700 });
  writeFileSync(
    join(root, 'inventory/hosts'),
    o.hosts ??
      `[matrix_servers]\n${host} ansible_host=${address} ansible_port=${port} ansible_ssh_user=root\n`,
    { mode: 0o600 },
  );
  const dir = join(root, 'inventory/host_vars', o.hostVarsName ?? host);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const vars = join(dir, 'vars.yml');
  writeFileSync(
    vars,
    o.vars ??
      [
        '---',
        '# Generated for a test.',
        `matrix_domain: ${domain}`,
        `matrix_playbook_migration_validated_version: ${o.validatedVersion ?? 'v2026.05.18.0'}`,
        'matrix_homeserver_implementation: synapse',
        `matrix_homeserver_generic_secret_key: '${HAND_SECRET}'`,
        "postgres_connection_password: 'AnotherSecretValueXYZ987'   # keep",
        'matrix_playbook_reverse_proxy_type: playbook-managed-traefik',
        '',
      ].join('\n'),
    { mode: 0o600 },
  );
  chmodSync(vars, 0o600);
  return { root, vars };
}

export interface CaseOptions {
  domain?: string;
  homeserver?: string;
  element?: boolean;
  users?: { name: string; admin?: boolean }[];
  /** audio_video.stack (audio/video on), e.g. 'jitsi' for per-user Jitsi logins. */
  callStack?: 'element-call' | 'jitsi' | 'both';
  /** Fallback servers (docs/fallback.md), each its own loopback sshd; their keys are pinned too. */
  fallback?: { domain: string; sshd: TestSshd }[];
}

/** A config file (matrix-oob.yml's shape) for `domain` on `sshd`, then `lines`; returns `file`. */
export function writeConfigFile(file: string, domain: string, sshd: TestSshd, lines: string[] = []): string {
  const server = ['server:', `  address: ${sshd.host}`, `  ssh_port: ${sshd.port}`];
  writeFileSync(file, [`domain: ${domain}`, ...server, ...lines, ''].join('\n'));
  return file;
}

/**
 * A case folder for the given sshd and fixture checkout, made as a user would: a config file,
 * `matrix-oob init --config FILE --yes DIR` (the built CLI), then the pinned host key that
 * `trust-host` would write.
 */
export function writeCase(dir: string, sshd: TestSshd, checkout: string, o: CaseOptions = {}): string {
  const domain = o.domain ?? 'example.test';
  const users = (o.users ?? []).map((u) => `  - name: ${u.name}\n    admin: ${u.admin === true}`).join('\n');
  const configFile = writeConfigFile(`${dir}.config.yml`, domain, sshd, [
    `homeserver: ${o.homeserver ?? 'synapse'}`,
    `element: ${o.element ?? true}`,
    users ? `users:\n${users}` : 'users: []',
    o.callStack ? `audio_video:\n  enabled: true\n  stack: ${o.callStack}` : '',
    ...(o.fallback?.length
      ? [
          'fallback:',
          ...o.fallback.map(
            (f) =>
              `  - domain: ${f.domain}\n    server:\n      address: ${f.sshd.host}\n      ssh_port: ${f.sshd.port}`,
          ),
        ]
      : []),
    'playbook:',
    `  path: ${checkout}`,
  ]);
  execFileSync('node', [CLI, 'init', '--config', configFile, '--yes', dir], {
    stdio: 'pipe',
    env: { ...process.env, NO_COLOR: '1' },
  });
  const keys = [sshd, ...(o.fallback ?? []).map((f) => f.sshd)].map((s) => `${s.knownHostsLine}\n`);
  writeFileSync(join(dir, 'known_hosts'), keys.join(''), { mode: 0o600 });
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

export const MAIN_DOMAIN = 'example.test';
export const FALLBACK_DOMAIN = 'fallback.test';
export const MAIN_HOST = `matrix.${MAIN_DOMAIN}`;
export const FALLBACK_HOST = `matrix.${FALLBACK_DOMAIN}`;

/**
 * A two-server case (docs/fallback.md): the main server and one fallback, both loopback sshd
 * instances (127.0.0.1, different ports) under different inventory host names; run the fixture
 * with MDAD_FIXTURE_PER_HOST=1 so each host has its own folder.
 */
export function writeFallbackCase(
  dir: string,
  main: TestSshd,
  fallback: TestSshd,
  checkout: string,
  o: Omit<CaseOptions, 'fallback'> = {},
): string {
  return writeCase(dir, main, checkout, {
    domain: MAIN_DOMAIN,
    ...o,
    fallback: [{ domain: FALLBACK_DOMAIN, sshd: fallback }],
  });
}
