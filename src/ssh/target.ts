import type { Config } from '../config/schema.js';
import type { InventoryHost } from '../inventory/parse-hosts.js';

/**
 * Where Ansible will connect: the inventory host's ansible_host / ansible_port /
 * ansible_ssh_user when the inventory says so (that is what ansible-playbook uses), otherwise
 * the config's server block. trust-host and doctor use the same answer, so the key pinned is
 * the key checked.
 */
export interface SshTarget {
  host: string;
  port: number;
  user: string;
  identityFile?: string;
}

export function sshTarget(
  config: Config,
  host: InventoryHost | undefined,
  env: NodeJS.ProcessEnv = process.env,
): SshTarget {
  const v = host?.vars ?? {};
  const port = Number.parseInt(v.ansible_port ?? v.ansible_ssh_port ?? '', 10);
  const identityFile =
    v.ansible_ssh_private_key_file ?? v.ansible_private_key_file ?? env.ANSIBLE_PRIVATE_KEY_FILE;
  return {
    host: v.ansible_host ?? v.ansible_ssh_host ?? host?.name ?? config.server.address,
    port: Number.isInteger(port) && port > 0 && port < 65536 ? port : config.server.ssh_port,
    user: v.ansible_ssh_user ?? v.ansible_user ?? config.server.ssh_user,
    ...(identityFile ? { identityFile } : {}),
  };
}

export function describeTarget(t: SshTarget): string {
  return `${t.user}@${t.host} port ${t.port}`;
}
