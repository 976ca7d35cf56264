import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { listFilesSync } from '../adapters/files.js';
import { extraVarsValues, parseAnsibleArgs } from '../ansible/args.js';
import { readAnsibleConfig } from '../ansible/config-file.js';
import { UserError } from '../errors.js';
import { parseInventoryIni } from '../inventory/parse-hosts.js';
import { parseVarsDocument } from '../inventory/yaml-doc.js';
import { HOST_KEY_OPTION, mappingProblems, SSH_CONNECTIONS, varsTextProblems, WATCHED } from './pin-rules.js';

/**
 * The host-key pin must hold whatever the inventory, a vars file, a pass-through argument, the
 * environment or ansible.cfg say. matrix-oob puts its host-key options first on every ssh
 * command line (ssh keeps the first value of an option); this guard refuses, before any
 * connection, every setting that could replace those options or add trust beside them:
 *
 * - `ansible_ssh_args` (a variable outranks ANSIBLE_SSH_ARGS and replaces the pin whole),
 *   `ansible_ssh_executable` (a wrapper can do anything), a connection other than ssh
 *   (paramiko does not read ssh options), host-key checking turned off;
 * - host-key options (StrictHostKeyChecking, KnownHostsCommand, ...) or templating in
 *   ssh_common_args / ssh_extra_args / scp / sftp args, from a variable, `-e`, `--ssh-*-args`,
 *   ANSIBLE_SSH_*_ARGS or ansible.cfg.
 *
 * ~/.ssh/config cannot weaken the pin (the command line comes first, and KnownHostsCommand=none,
 * VerifyHostKeyDNS=no close the routes that add keys); `ssh -G` checks the result (pinCheck).
 */

/** Every YAML file in a host_vars/ or group_vars/ folder (files and one level of folders). */
export function varsFiles(dir: string): string[] {
  return listFilesSync(dir, { depth: 1 }).filter((f) => {
    try {
      return statSync(f).size < 8 * 1024 * 1024;
    } catch {
      return false;
    }
  });
}

function fileProblems(file: string, rel: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return varsTextProblems(rel, text);
}

/** The inventory (hosts file, its host_vars/group_vars) and the playbook's own host_vars/group_vars. */
export function inventoryProblems(hostsFile: string, checkout: string | undefined): string[] {
  const out: string[] = [];
  let text = '';
  try {
    text = readFileSync(hostsFile, 'utf8');
  } catch {
    // A missing inventory is reported by the caller.
  }
  const inv = parseInventoryIni(text);
  for (const g of inv.groups)
    for (const h of [...g.hosts]) out.push(...mappingProblems(`inventory/hosts (${h.name})`, h.vars));
  for (const h of inv.ungrouped) out.push(...mappingProblems(`inventory/hosts (${h.name})`, h.vars));
  for (const [g, vars] of Object.entries(inv.groupVars))
    out.push(...mappingProblems(`inventory/hosts [${g}:vars]`, vars));
  const invDir = resolve(hostsFile, '..');
  const roots: [string, string][] = [[invDir, 'inventory']];
  if (checkout) roots.push([checkout, checkout]);
  for (const [root, label] of roots) {
    for (const sub of ['host_vars', 'group_vars']) {
      for (const f of varsFiles(join(root, sub))) {
        out.push(...fileProblems(f, `${label}/${f.slice(root.length + 1)}`));
      }
    }
  }
  return [...new Set(out)];
}

/** key=value pairs of an inline `-e` (Ansible splits them like a shell would). */
export function inlineVars(value: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([A-Za-z_][\w]*)=('(?:[^']*)'|"(?:[^"\\]|\\.)*"|\S*)/g;
  for (const m of value.matchAll(re)) out[m[1]!] = m[2]!.replace(/^(['"])(.*)\1$/s, '$2');
  return out;
}

/** The variables of one `-e` value: @file, inline YAML/JSON, or key=value pairs. */
export function extraVarsMapping(value: string, cwd: string): Record<string, unknown> | 'unreadable' {
  const v = value.trim();
  if (v.startsWith('@')) {
    try {
      const doc = parseVarsDocument(readFileSync(resolve(cwd, v.slice(1)), 'utf8'));
      const data = doc.errors.length === 0 ? doc.toJS() : undefined;
      return data && typeof data === 'object' && !Array.isArray(data) ? data : 'unreadable';
    } catch {
      return 'unreadable';
    }
  }
  if (v.startsWith('{') || v.startsWith('[')) {
    const doc = parseVarsDocument(v);
    const data = doc.errors.length === 0 ? doc.toJS() : undefined;
    return data && typeof data === 'object' && !Array.isArray(data) ? data : 'unreadable';
  }
  return inlineVars(v);
}

const ARG_FLAGS = ['--ssh-common-args', '--ssh-extra-args', '--scp-extra-args', '--sftp-extra-args'];

/** Pass-through arguments: -e, --ssh-*-args, -c/--connection. */
export function passThroughProblems(args: readonly string[], cwd: string): string[] {
  const out: string[] = [];
  for (const value of extraVarsValues(args)) {
    const vars = extraVarsMapping(value, cwd);
    if (vars === 'unreadable') {
      if (WATCHED.test(value)) out.push(`-e ${value}: cannot be read to check its connection variables`);
      continue;
    }
    out.push(...mappingProblems(`-e ${value.startsWith('@') ? value : '(pass-through)'}`, vars));
  }
  for (const { name, value = '', raw } of parseAnsibleArgs(args)) {
    if (name && ARG_FLAGS.includes(name)) {
      const opt = HOST_KEY_OPTION.exec(value);
      if (opt)
        out.push(`${name} sets ${opt[1]}: only the key pinned in the case's known_hosts may be trusted`);
    }
    if (name === '--connection' && !SSH_CONNECTIONS.includes(value.toLowerCase()))
      out.push(
        `${raw.startsWith('--') ? '--connection' : '-c'} ${value}: matrix-oob's host-key pin only holds for the ssh connection`,
      );
  }
  // Whatever the parse found, no argument may carry a host-key option: a value starting with "-"
  // (--ssh-extra-args '-C -o StrictHostKeyChecking=no') is read differently by argparse versions.
  if (out.length === 0) {
    for (const token of args) {
      const opt = HOST_KEY_OPTION.exec(token);
      if (opt) {
        out.push(
          `${JSON.stringify(token)} sets ${opt[1]}: only the key pinned in the case's known_hosts may be trusted`,
        );
        break;
      }
    }
  }
  return out;
}

const ENV_ARGS = [
  'ANSIBLE_SSH_COMMON_ARGS',
  'ANSIBLE_SSH_EXTRA_ARGS',
  'ANSIBLE_SCP_EXTRA_ARGS',
  'ANSIBLE_SFTP_EXTRA_ARGS',
];

/** The operator's environment and the ansible.cfg Ansible will read. */
export function environmentProblems(cwd: string, env: NodeJS.ProcessEnv): string[] {
  const out: string[] = [];
  for (const name of ENV_ARGS) {
    const opt = env[name] ? HOST_KEY_OPTION.exec(env[name]!) : null;
    if (opt) out.push(`${name} sets ${opt[1]}: only the key pinned in the case's known_hosts may be trusted`);
  }
  if (env.ANSIBLE_SSH_EXECUTABLE)
    out.push('ANSIBLE_SSH_EXECUTABLE is set: a replacement ssh can ignore the pinned host key');
  if (env.ANSIBLE_TRANSPORT && !SSH_CONNECTIONS.includes(env.ANSIBLE_TRANSPORT.toLowerCase()))
    out.push(`ANSIBLE_TRANSPORT is ${env.ANSIBLE_TRANSPORT}: matrix-oob's host-key pin only holds for ssh`);
  const cfg = readAnsibleConfig(cwd, env);
  if (cfg) {
    const ssh = cfg.settings.ssh_connection ?? {};
    for (const key of ['ssh_common_args', 'ssh_extra_args', 'scp_extra_args', 'sftp_extra_args']) {
      const opt = ssh[key] && !env[`ANSIBLE_${key.toUpperCase()}`] ? HOST_KEY_OPTION.exec(ssh[key]!) : null;
      if (opt) out.push(`${cfg.path}: [ssh_connection] ${key} sets ${opt[1]}`);
    }
    if (ssh.ssh_executable && !env.ANSIBLE_SSH_EXECUTABLE)
      out.push(`${cfg.path}: [ssh_connection] ssh_executable is set: a replacement ssh can ignore the pin`);
    const transport = cfg.settings.defaults?.transport;
    if (transport && !env.ANSIBLE_TRANSPORT && !SSH_CONNECTIONS.includes(transport.toLowerCase()))
      out.push(`${cfg.path}: [defaults] transport is ${transport}: the pin only holds for ssh`);
  }
  return out;
}

export interface PinGuardInput {
  hostsFile: string;
  checkout: string | undefined;
  /** ansible-playbook's working directory (where ansible.cfg and -e @file are looked up). */
  cwd: string;
  extraArgs: readonly string[];
  env: NodeJS.ProcessEnv;
  /** Problems found elsewhere (ssh -G). */
  extra?: readonly string[];
}

/** Every way this run would weaken the pinned host key (empty: the pin holds). */
export function pinProblems(input: PinGuardInput): string[] {
  return [
    ...inventoryProblems(input.hostsFile, input.checkout),
    ...passThroughProblems(input.extraArgs, input.cwd),
    ...environmentProblems(input.cwd, input.env),
    ...(input.extra ?? []),
  ];
}

/** Refuse the run (exit 2, nothing connected) when anything would weaken the pin. */
export function assertPinHolds(input: PinGuardInput): void {
  const problems = pinProblems(input);
  if (problems.length === 0) return;
  throw new UserError(
    `refusing to connect: ${problems.length === 1 ? 'a setting weakens' : `${problems.length} settings weaken`} the pinned SSH host key`,
    {
      details: problems,
      hint: 'remove these settings: matrix-oob only trusts the key pinned in the case\'s known_hosts ("matrix-oob trust-host" pins it). Other ssh options (ProxyJump, a key file) are fine in ssh_common_args.',
    },
  );
}
