import { hostKeyOptions } from '../ssh/known-hosts.js';

/**
 * The environment of every ansible-playbook run.
 *
 * SSH host-key checking is never turned off. The pinned known_hosts of the case is passed in
 * ANSIBLE_SSH_ARGS, which Ansible puts first on the ssh command line; ssh keeps the first value
 * of an option, so nothing later (an ansible.cfg, host_key_checking=False, ssh_common_args or
 * ssh_extra_args in the inventory) can weaken it. ANSIBLE_SSH_ARGS replaces Ansible's default
 * ssh_args, so the defaults (-C, ControlMaster=auto, ControlPersist=60s) are repeated here.
 * The system-wide known_hosts is ignored: only the key pinned for this case is trusted.
 */
export interface AnsibleEnvOptions {
  knownHosts: string;
  /** Colour Ansible's output (it writes to a pipe, so it must be forced). */
  colour: boolean;
  base?: NodeJS.ProcessEnv;
}

/** Quote for Python's shlex.split (how Ansible splits ssh_args). */
export function shlexQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'"'"'`)}'`;
}

export function sshArgs(knownHosts: string): string {
  return [
    '-C',
    '-o ControlMaster=auto',
    '-o ControlPersist=60s',
    ...hostKeyOptions(knownHosts).map((option) => `-o ${shlexQuote(option)}`),
  ].join(' ');
}

/** Only the variables we set (for --dry-run and the docs). */
export function ansibleEnvOverrides(opts: Omit<AnsibleEnvOptions, 'base'>): Record<string, string> {
  return {
    ANSIBLE_SSH_ARGS: sshArgs(opts.knownHosts),
    ANSIBLE_HOST_KEY_CHECKING: 'True',
    ...(opts.colour ? { ANSIBLE_FORCE_COLOR: '1' } : { ANSIBLE_NOCOLOR: '1' }),
    PYTHONUNBUFFERED: '1',
  };
}

export function ansibleEnv(opts: AnsibleEnvOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...(opts.base ?? process.env) };
  delete env.ANSIBLE_FORCE_COLOR;
  delete env.ANSIBLE_NOCOLOR;
  if (!opts.colour) delete env.FORCE_COLOR;
  return { ...env, ...ansibleEnvOverrides(opts) };
}

/** Settings in the operator's environment that would make Ansible itself write secrets down. */
export function ansibleEnvWarnings(env: NodeJS.ProcessEnv): string[] {
  const warnings: string[] = [];
  if (env.ANSIBLE_LOG_PATH) {
    warnings.push(
      `ANSIBLE_LOG_PATH is set (${env.ANSIBLE_LOG_PATH}): Ansible writes its own, unredacted log there; unset it to keep secrets out of it`,
    );
  }
  if (env.ANSIBLE_KEEP_REMOTE_FILES && !/^(0|false|no)$/i.test(env.ANSIBLE_KEEP_REMOTE_FILES)) {
    warnings.push(
      'ANSIBLE_KEEP_REMOTE_FILES is set: module arguments (passwords included) stay on the server; unset it',
    );
  }
  return warnings;
}
