import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Capture } from '../adapters/process.js';
import { extraVarsValues, optionValues } from '../ansible/args.js';
import { parseInventoryIni } from '../inventory/parse-hosts.js';
import { parseVarsDocument } from '../inventory/yaml-doc.js';
import { sshHostKeyOptions } from './known-hosts.js';
import { extraVarsMapping, type PinGuardInput, varsFiles } from './pin-guard.js';

/** Split like Python's shlex.split (how Ansible splits ssh argument strings), enough for options. */
export function shlexSplit(text: string): string[] {
  const out: string[] = [];
  const re = /(?:'([^']*)'|"((?:[^"\\]|\\.)*)"|((?:[^\s'"\\]|\\.)+))+/g;
  for (const m of text.matchAll(re)) {
    out.push(
      m[0].replace(
        /'([^']*)'|"((?:[^"\\]|\\.)*)"|\\(.)/g,
        (_a, s1, d, e) => s1 ?? d?.replace(/\\(.)/g, '$1') ?? e,
      ),
    );
  }
  return out;
}

/**
 * The extra ssh arguments a run will add after matrix-oob's (environment, pass-through, the
 * inventory's *_args variables), for `ssh -G`: a `-F file` there brings a whole ssh config.
 */
export function extraSshArgs(input: PinGuardInput): string[] {
  const texts: string[] = [];
  for (const name of ['ANSIBLE_SSH_COMMON_ARGS', 'ANSIBLE_SSH_EXTRA_ARGS'])
    if (input.env[name]) texts.push(input.env[name]!);
  const args = input.extraArgs;
  for (const flag of ['--ssh-common-args', '--ssh-extra-args']) texts.push(...optionValues(args, flag));
  const collect = (vars: Record<string, unknown>) => {
    for (const name of ['ansible_ssh_common_args', 'ansible_ssh_extra_args']) {
      if (typeof vars[name] === 'string') texts.push(vars[name] as string);
    }
  };
  for (const value of extraVarsValues(args)) {
    const vars = extraVarsMapping(value, input.cwd);
    if (vars !== 'unreadable') collect(vars);
  }
  try {
    const inv = parseInventoryIni(readFileSync(input.hostsFile, 'utf8'));
    for (const g of inv.groups) for (const h of g.hosts) collect(h.vars);
    for (const vars of Object.values(inv.groupVars)) collect(vars);
  } catch {
    // no inventory: nothing to add
  }
  for (const f of varsFiles(join(resolve(input.hostsFile, '..'), 'host_vars'))) {
    try {
      const doc = parseVarsDocument(readFileSync(f, 'utf8'));
      const data = doc.errors.length === 0 ? doc.toJS() : undefined;
      if (data && typeof data === 'object' && !Array.isArray(data)) collect(data as Record<string, unknown>);
    } catch {
      // unreadable: Ansible reports it
    }
  }
  return texts.flatMap(shlexSplit);
}

/** Where Ansible connects, read from the inventory (first host of matrix_servers). */
export function inventoryTarget(hostsFile: string): { host: string; port: number; user: string } | undefined {
  let text: string;
  try {
    text = readFileSync(hostsFile, 'utf8');
  } catch {
    return undefined;
  }
  const inv = parseInventoryIni(text);
  const h = inv.groups.find((g) => g.name === 'matrix_servers')?.hosts[0] ?? inv.ungrouped[0];
  if (!h) return undefined;
  const port = Number.parseInt(h.vars.ansible_port ?? h.vars.ansible_ssh_port ?? '22', 10);
  return {
    host: h.vars.ansible_host ?? h.vars.ansible_ssh_host ?? h.name,
    port: Number.isInteger(port) ? port : 22,
    user: h.vars.ansible_ssh_user ?? h.vars.ansible_user ?? 'root',
  };
}

/**
 * What ssh itself will use, read with `ssh -G` (no connection) given matrix-oob's options first
 * and the operator's ssh config after them: the case's known_hosts only, strict checking, no
 * KnownHostsCommand, no HostKeyAlias, no DNS keys. Catches what ~/.ssh/config could still add.
 */
export async function sshConfigProblems(
  target: { host: string; port: number; user: string },
  knownHosts: string,
  extraSshArgs: readonly string[],
  capture: Capture,
  env: NodeJS.ProcessEnv,
): Promise<string[]> {
  const r = await capture(
    'ssh',
    [
      '-G',
      ...sshHostKeyOptions(knownHosts),
      ...extraSshArgs,
      '-p',
      String(target.port),
      '-l',
      target.user,
      '--',
      target.host,
    ],
    { env: { ...env, LC_ALL: 'C' }, timeoutMs: 10_000 },
  );
  if (r.notFound || r.exitCode !== 0) return []; // no ssh, or a bad option: the run reports it
  const conf = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    const i = line.indexOf(' ');
    if (i > 0) conf.set(line.slice(0, i).toLowerCase(), line.slice(i + 1).trim());
  }
  const out: string[] = [];
  if (conf.get('stricthostkeychecking') !== 'true')
    out.push(`ssh config: StrictHostKeyChecking is ${conf.get('stricthostkeychecking')}`);
  if (conf.has('knownhostscommand'))
    out.push('ssh config: KnownHostsCommand adds trusted keys beside the pin');
  if (conf.has('hostkeyalias'))
    out.push(`ssh config: HostKeyAlias ${conf.get('hostkeyalias')} makes ssh look up another host's key`);
  if (conf.get('verifyhostkeydns') && conf.get('verifyhostkeydns') !== 'false')
    out.push('ssh config: VerifyHostKeyDNS trusts keys from DNS');
  if ((conf.get('globalknownhostsfile') ?? '/dev/null') !== '/dev/null')
    out.push('ssh config: GlobalKnownHostsFile adds trusted keys');
  return out;
}
