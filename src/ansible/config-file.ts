import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The ansible.cfg that ansible-playbook will read, found the way Ansible finds it: ANSIBLE_CONFIG
 * (a file, or a folder holding ansible.cfg), then ./ansible.cfg in the working directory (unless
 * that folder is world-writable: Ansible ignores it then), then ~/.ansible.cfg, then
 * /etc/ansible/ansible.cfg. Only the first one found counts.
 */
export function ansibleConfigPath(cwd: string, env: NodeJS.ProcessEnv): string | undefined {
  const candidates: string[] = [];
  if (env.ANSIBLE_CONFIG) {
    const p = resolve(cwd, env.ANSIBLE_CONFIG);
    candidates.push(isDir(p) ? join(p, 'ansible.cfg') : p);
  }
  if (!worldWritable(cwd)) candidates.push(join(cwd, 'ansible.cfg'));
  candidates.push(join(env.HOME ?? homedir(), '.ansible.cfg'), '/etc/ansible/ansible.cfg');
  return candidates.find((c) => existsSync(c) && !isDir(c));
}

/** The settings of an INI file: section (lower-case) -> key (lower-case) -> value. */
export type IniSettings = Record<string, Record<string, string>>;

/** Ansible's ansible.cfg syntax: [section], key = value (or key: value), # and ; comments. */
export function parseIni(text: string): IniSettings {
  const out: IniSettings = {};
  let section = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      section = header[1]!.trim().toLowerCase();
      out[section] ??= {};
      continue;
    }
    const kv = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(line);
    if (!kv) continue;
    out[section] ??= {};
    out[section]![kv[1]!.toLowerCase()] = kv[2]!.replace(/\s+[#;].*$/, '').trim();
  }
  return out;
}

export interface AnsibleConfig {
  path: string;
  settings: IniSettings;
}

/** The effective ansible.cfg, read and parsed (undefined when there is none or it is unreadable). */
export function readAnsibleConfig(cwd: string, env: NodeJS.ProcessEnv): AnsibleConfig | undefined {
  const path = ansibleConfigPath(cwd, env);
  if (!path) return undefined;
  try {
    return { path, settings: parseIni(readFileSync(path, 'utf8')) };
  } catch {
    return undefined;
  }
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function worldWritable(dir: string): boolean {
  try {
    return (statSync(dir).mode & 0o002) !== 0;
  } catch {
    return false;
  }
}
