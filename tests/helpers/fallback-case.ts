import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI } from './deploy-case.js';
import type { TestSshd } from './sshd.js';

export const MAIN_DOMAIN = 'example.test';
export const FALLBACK_DOMAIN = 'fallback.test';
export const MAIN_HOST = `matrix.${MAIN_DOMAIN}`;
export const FALLBACK_HOST = `matrix.${FALLBACK_DOMAIN}`;

/**
 * A two-server case (docs/fallback.md) made as a user would: a config with `fallback:`, then
 * `matrix-oob init --config FILE --yes DIR` (the built CLI), then both pinned host keys. Both
 * servers are loopback sshd instances (127.0.0.1, different ports) under different inventory
 * host names; run the fixture with MDAD_FIXTURE_PER_HOST=1 so each host has its own folder.
 */
export function writeFallbackCase(
  dir: string,
  main: TestSshd,
  fallback: TestSshd,
  checkout: string,
  users: { name: string; admin?: boolean }[] = [],
): string {
  const configFile = `${dir}.config.yml`;
  writeFileSync(
    configFile,
    [
      `domain: ${MAIN_DOMAIN}`,
      'server:',
      `  address: ${main.host}`,
      `  ssh_port: ${main.port}`,
      'fallback:',
      `  - domain: ${FALLBACK_DOMAIN}`,
      '    server:',
      `      address: ${fallback.host}`,
      `      ssh_port: ${fallback.port}`,
      users.length > 0
        ? `users:\n${users.map((u) => `  - name: ${u.name}\n    admin: ${u.admin === true}`).join('\n')}`
        : 'users: []',
      'playbook:',
      `  path: ${checkout}`,
      '',
    ].join('\n'),
  );
  execFileSync('node', [CLI, 'init', '--config', configFile, '--yes', dir], {
    stdio: 'pipe',
    env: { ...process.env, NO_COLOR: '1' },
  });
  writeFileSync(join(dir, 'known_hosts'), `${main.knownHostsLine}\n${fallback.knownHostsLine}\n`, {
    mode: 0o600,
  });
  return dir;
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
