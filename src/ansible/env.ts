import { hostKeyOptions } from '../ssh/known-hosts.js';
import { shellQuote } from '../ui/shell.js';
import { readAnsibleConfig } from './config-file.js';

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

export function sshArgs(knownHosts: string): string {
  return [
    '-C',
    '-o ControlMaster=auto',
    '-o ControlPersist=60s',
    // Ansible splits ssh_args with Python's shlex.split, which reads POSIX shell quoting.
    ...hostKeyOptions(knownHosts).map((option) => `-o ${shellQuote(option)}`),
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

const truthy = (v: string | undefined) => v !== undefined && /^(1|true|yes|on|y|t)$/i.test(v.trim());

/**
 * Settings that make Ansible itself write secrets down, outside matrix-oob's redaction: in the
 * operator's environment or in the ansible.cfg Ansible will read (ANSIBLE_CONFIG, the
 * checkout's, ~/.ansible.cfg, /etc/ansible). `cwd` is ansible-playbook's working directory.
 */
export function ansibleEnvWarnings(env: NodeJS.ProcessEnv, cwd?: string): string[] {
  const warnings: string[] = [];
  const cfg = cwd ? readAnsibleConfig(cwd, env) : undefined;
  const defaults = cfg?.settings.defaults ?? {};
  const from = (name: string, key: string) => (env[name] !== undefined ? name : `${key} in ${cfg?.path}`);
  const logPath = env.ANSIBLE_LOG_PATH ?? defaults.log_path;
  if (logPath) {
    warnings.push(
      `${from('ANSIBLE_LOG_PATH', 'log_path')} is set (${logPath}): Ansible writes its own, unredacted log there; unset it to keep secrets out of it`,
    );
  }
  const keep = env.ANSIBLE_KEEP_REMOTE_FILES ?? defaults.keep_remote_files;
  if (keep && !/^(0|false|no|off)$/i.test(keep)) {
    warnings.push(
      `${from('ANSIBLE_KEEP_REMOTE_FILES', 'keep_remote_files')} is set: module arguments (passwords included) stay on the server; unset it`,
    );
  }
  if (truthy(env.ANSIBLE_DEBUG ?? defaults.debug)) {
    warnings.push(
      `${from('ANSIBLE_DEBUG', 'debug')} is on: Ansible's debug output holds module arguments in forms matrix-oob may not recognise; unset it`,
    );
  }
  if (truthy(env.ANSIBLE_DISPLAY_ARGS_TO_STDOUT ?? defaults.display_args_to_stdout)) {
    warnings.push(
      `${from('ANSIBLE_DISPLAY_ARGS_TO_STDOUT', 'display_args_to_stdout')} is on: every task's arguments (passwords included) are printed; unset it`,
    );
  }
  const callbacks =
    env.ANSIBLE_CALLBACKS_ENABLED ?? defaults.callbacks_enabled ?? defaults.callback_whitelist;
  if (callbacks && /log_plays|syslog_json|logstash|splunk|sumologic/i.test(callbacks)) {
    warnings.push(
      `a logging callback is enabled (${callbacks}): it records task results outside matrix-oob's redaction; disable it`,
    );
  }
  return warnings;
}
