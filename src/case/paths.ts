import { join, resolve } from 'node:path';

export const CONFIG_FILE = 'matrix-oob.yml';

/** Every path of a case folder (product.md, "the case folder"). */
export interface CasePaths {
  root: string;
  config: string;
  inventoryDir: string;
  hosts: string;
  hostVarsDir: string;
  vars: string;
  credentialsDir: string;
  logsDir: string;
  journal: string;
  state: string;
  knownHosts: string;
  hooksDir: string;
  /** The tags of the playbook checkout, cached (src/ansible/tags.ts). Not a secret. */
  tagsCache: string;
  /** The result of the playbook's own configuration checks, cached (src/playbook/checks). */
  checksCache: string;
}

/** The Ansible inventory host name: always matrix.<domain>, and its host_vars folder matches exactly. */
export function inventoryHostName(domain: string): string {
  return `matrix.${domain}`;
}

export function casePaths(root: string, domain: string): CasePaths {
  const abs = resolve(root);
  const inventoryDir = join(abs, 'inventory');
  const hostVarsDir = join(inventoryDir, 'host_vars', inventoryHostName(domain));
  return {
    root: abs,
    config: join(abs, CONFIG_FILE),
    inventoryDir,
    hosts: join(inventoryDir, 'hosts'),
    hostVarsDir,
    vars: join(hostVarsDir, 'vars.yml'),
    credentialsDir: join(abs, 'credentials'),
    logsDir: join(abs, 'logs'),
    journal: join(abs, 'journal.jsonl'),
    state: join(abs, 'state.json'),
    knownHosts: join(abs, 'known_hosts'),
    hooksDir: join(abs, 'hooks'),
    tagsCache: join(abs, '.cache', 'playbook-tags.json'),
    checksCache: join(abs, '.cache', 'mdad-checks.json'),
  };
}

/** The vars.yml of the server of `domain` (main or fallback): host_vars/matrix.<domain>/vars.yml. */
export function serverVarsPath(paths: Pick<CasePaths, 'inventoryDir'>, domain: string): string {
  return join(paths.inventoryDir, 'host_vars', inventoryHostName(domain), 'vars.yml');
}
