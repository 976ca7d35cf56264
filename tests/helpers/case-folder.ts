import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

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
