import { parseVarsDocument } from '../inventory/yaml-doc.js';

/**
 * The rules of the host-key pin (src/ssh/pin-guard.ts): which Ansible settings would replace
 * matrix-oob's ssh options or add trust beside the pinned key.
 */

/** ssh options that decide which host keys are trusted. */
export const HOST_KEY_OPTION =
  /(StrictHostKeyChecking|UserKnownHostsFile|GlobalKnownHostsFile|KnownHostsCommand|HostKeyAlias|VerifyHostKeyDNS|UpdateHostKeys|CheckHostIP|RevokedHostKeys|NoHostAuthenticationForLocalhost)/i;

/** Variables that replace the pin or bypass ssh: refused whatever their value. */
const ALWAYS_REFUSED = ['ansible_ssh_args', 'ansible_ssh_executable', 'ansible_paramiko_host_key_checking'];
/** Variables holding extra ssh arguments: refused when they touch host keys or are templated. */
const ARGS_VARS = [
  'ansible_ssh_common_args',
  'ansible_ssh_extra_args',
  'ansible_scp_extra_args',
  'ansible_sftp_extra_args',
];
const CHECKING_VARS = ['ansible_host_key_checking', 'ansible_ssh_host_key_checking'];
const CONNECTION_VARS = ['ansible_connection'];
export const SSH_CONNECTIONS = ['ssh', 'smart', 'ansible.builtin.ssh', 'ansible.legacy.ssh'];

/** Why one (name, value) setting weakens the pin, or undefined when it does not. */
export function settingProblem(name: string, value: unknown): string | undefined {
  const n = name.toLowerCase();
  const text = typeof value === 'string' ? value : JSON.stringify(value ?? '');
  if (ALWAYS_REFUSED.includes(n)) return `${name} is set: it would replace matrix-oob's pinned host key`;
  if (ARGS_VARS.includes(n)) {
    const opt = HOST_KEY_OPTION.exec(text);
    if (opt) return `${name} sets ${opt[1]}: only the key pinned in the case's known_hosts may be trusted`;
    if (/\{\{|\{%/.test(text)) return `${name} is templated: its ssh options cannot be checked`;
    return undefined;
  }
  if (CHECKING_VARS.includes(n)) {
    if (typeof value === 'boolean' ? value : /^(1|true|yes|on)$/i.test(text.trim())) return undefined;
    return `${name} turns host-key checking off`;
  }
  if (CONNECTION_VARS.includes(n)) {
    if (SSH_CONNECTIONS.includes(text.trim().toLowerCase())) return undefined;
    return `${name} is ${text.trim() || '(empty)'}: matrix-oob's host-key pin only holds for the ssh connection`;
  }
  return undefined;
}

/** Every pin problem in one variables mapping, each prefixed with where it was found. */
export function mappingProblems(where: string, vars: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(vars)) {
    const p = settingProblem(k, v);
    if (p) out.push(`${where}: ${p}`);
  }
  return out;
}

export const WATCHED = new RegExp(
  `\\b(${[...ALWAYS_REFUSED, ...ARGS_VARS, ...CHECKING_VARS, ...CONNECTION_VARS].join('|')})\\b`,
  'i',
);

/** A YAML vars file (host_vars, group_vars, -e @file): its top-level variables checked. */
export function varsTextProblems(where: string, text: string): string[] {
  if (!WATCHED.test(text)) return [];
  const doc = parseVarsDocument(text);
  const data = doc.errors.length === 0 ? doc.toJS() : undefined;
  if (!data || typeof data !== 'object' || Array.isArray(data)) {
    const name = WATCHED.exec(text)?.[1] ?? 'a connection variable';
    return [`${where}: sets ${name} and cannot be parsed to check it`];
  }
  return mappingProblems(where, data as Record<string, unknown>);
}
