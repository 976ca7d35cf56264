import { readdir } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { domainToASCII } from 'node:url';
import { exists, listFiles, readIfExists } from '../adapters/files.js';
import type { CasePaths } from '../case/paths.js';
import { inventoryHostName } from '../case/paths.js';
import { CONTROL_ROOM_FILE } from '../control-room/case.js';
import { parseVarsDocument } from '../inventory/yaml-doc.js';

/** MDAD's data folder when vars.yml does not set matrix_base_data_path. */
export const DEFAULT_BASE = '/matrix';

/** The exact line MDAD's remove-all reads on stdin (mdad-contract.md section 8). */
export const REMOVE_ALL_CONFIRMATION = 'Yes, I really want to remove everything!';

/** A local file or folder, with why it goes or stays. */
export interface LocalItem {
  path: string;
  what: string;
}

export interface TeardownPlan {
  domain: string;
  server: {
    /** Inventory host name (matrix.<domain>). */
    host: string;
    address: string;
    /** The data folder remove-all deletes. */
    base: string;
    /** What goes with it, in words. */
    destroyed: string[];
    /** The case's fallback servers (docs/fallback.md): wiped by the same run. */
    fallbacks?: { host: string; address: string }[];
  };
  local: {
    /** Files and folders that exist now and will be removed. */
    remove: LocalItem[];
    /** What stays: the case record. */
    keep: LocalItem[];
  };
}

/** matrix_base_data_path from vars.yml (a user-added key init keeps), or /matrix. */
export function baseDataPath(varsText: string | undefined): string {
  if (!varsText) return DEFAULT_BASE;
  try {
    // Silent: the yaml library's warnings quote whole source lines, secrets included.
    const doc = parseVarsDocument(varsText);
    if (doc.errors.length > 0) return DEFAULT_BASE;
    const data = doc.toJS() as Record<string, unknown> | null;
    const v = data?.matrix_base_data_path;
    return typeof v === 'string' && v.trim() !== '' ? v.trim() : DEFAULT_BASE;
  } catch {
    return DEFAULT_BASE;
  }
}

/**
 * Why `base` is not a folder teardown may delete (the rule of playbooks/teardown.yml's guard,
 * checked here first so a bad value is refused before the confirmation), or undefined.
 */
export function unsafeBase(base: string): string | undefined {
  const b = base.replace(/\/+/g, '/').replace(/(.)\/$/, '$1');
  const system = [
    '/',
    '/bin',
    '/boot',
    '/dev',
    '/etc',
    '/home',
    '/lib',
    '/lib32',
    '/lib64',
    '/libx32',
    '/lost+found',
    '/media',
    '/mnt',
    '/opt',
    '/proc',
    '/root',
    '/run',
    '/sbin',
    '/snap',
    '/srv',
    '/sys',
    '/tmp',
    '/usr',
    '/var',
    '/usr/local',
    '/var/lib',
    '/var/log',
    '/var/tmp',
    '/var/cache',
    '/var/spool',
    '/var/mail',
    '/var/lib/docker',
    '/var/backups',
    '/var/opt',
    '/var/www',
  ];
  if (!b.startsWith('/')) return 'it is not an absolute path';
  if (/(^|\/)\.{1,2}(\/|$)/.test(b)) return 'it has . or .. in it';
  if (
    system.includes(b) ||
    /^\/(bin|boot|dev|etc|lib|lib32|lib64|libx32|proc|run|sbin|sys|usr)(\/|$)/.test(b) ||
    /^\/home\/[^/]+$/.test(b)
  )
    return 'it is a system folder';
  return undefined;
}

/** Names of leftovers that may hold a secret: an interrupted atomic write, an unused password. */
export function isLeftover(name: string): boolean {
  return name.startsWith('.matrix-oob-tmp-') || name.endsWith('.pending');
}

/**
 * Leftover files anywhere in the case folder (not in the playbook checkout, git data or logs):
 * `.matrix-oob-tmp-*` from an interrupted atomic write and `*.pending` password files.
 */
export async function findLeftovers(root: string, skip: readonly string[]): Promise<string[]> {
  return (await listFiles(root, { skip })).filter((f) => isLeftover(basename(f)));
}

/** Every local file teardown removes that exists now (secrets and what could hold one). */
export async function localSecrets(paths: CasePaths, checkout: string | undefined): Promise<LocalItem[]> {
  const items: LocalItem[] = [];
  if (await exists(paths.vars)) items.push({ path: paths.vars, what: 'the server secrets (vars.yml)' });
  const fallbackVars = await otherServersVars(paths);
  for (const vars of fallbackVars) {
    items.push({ path: vars, what: "a fallback server's secrets (vars.yml)" });
  }
  // Everything else in inventory/host_vars goes too: an editor's backup or swap file
  // (vars.yml.bak, vars.yml~, .vars.yml.swp) is a copy of the secrets.
  for (const f of await listFiles(dirname(paths.hostVarsDir))) {
    if (f !== paths.vars && !fallbackVars.includes(f))
      items.push({ path: f, what: 'a file beside the server secrets (may be a copy of them)' });
  }
  if (await exists(paths.credentialsDir)) {
    items.push({ path: paths.credentialsDir, what: 'user passwords handed out (credentials/)' });
  }
  const tmp = join(paths.root, '.tmp');
  if (await exists(tmp)) items.push({ path: tmp, what: 'temporary secret files (.tmp/)' });
  const room = join(paths.root, CONTROL_ROOM_FILE);
  if (await exists(room)) items.push({ path: room, what: 'the control room record' });
  const recorder = join(paths.root, 'record', 'recorder');
  if (await exists(recorder)) {
    items.push({ path: recorder, what: "the recorder's login, keys and crypto store (record/recorder/)" });
  }
  const skip = [
    paths.credentialsDir,
    paths.logsDir,
    dirname(paths.hostVarsDir),
    tmp,
    recorder,
    ...(checkout ? [checkout] : []),
  ];
  for (const f of await findLeftovers(paths.root, skip)) {
    items.push({
      path: f,
      what: f.endsWith('.pending') ? 'a pending password file' : 'a temporary file of an interrupted write',
    });
  }
  return items;
}

/** The vars.yml of every other server of the case (host_vars/matrix.*), main excluded. */
async function otherServersVars(paths: CasePaths): Promise<string[]> {
  const hostVars = join(paths.inventoryDir, 'host_vars');
  let names: string[] = [];
  try {
    names = (await readdir(hostVars, { withFileTypes: true }))
      .filter((e) => e.isDirectory() && e.name.startsWith('matrix.'))
      .map((e) => e.name);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const n of names.sort()) {
    const vars = join(hostVars, n, 'vars.yml');
    if (vars !== paths.vars && (await exists(vars))) out.push(vars);
  }
  return out;
}

/** What stays: the case record (journal, logs, config, inventory, pinned key, state). */
export function keptItems(paths: CasePaths): LocalItem[] {
  return [
    { path: paths.journal, what: 'the journal (what was done, when)' },
    { path: paths.logsDir, what: 'the Ansible logs (secrets redacted)' },
    { path: paths.config, what: 'the case config' },
    { path: paths.hosts, what: 'the inventory (no secrets)' },
    { path: paths.knownHosts, what: "the server's pinned host key" },
    { path: paths.state, what: 'the case state (marked torn down)' },
    { path: join(paths.root, 'record', 'rooms'), what: 'what the recorder stored (hash-chained)' },
  ];
}

export async function teardownPlan(input: {
  domain: string;
  address: string;
  paths: CasePaths;
  checkout: string | undefined;
  fallbacks?: { host: string; address: string }[];
}): Promise<TeardownPlan> {
  const base = baseDataPath(await readIfExists(input.paths.vars));
  return {
    domain: input.domain,
    server: {
      host: inventoryHostName(input.domain),
      address: input.address,
      base,
      destroyed: [
        'every matrix-* service (stopped, disabled, deleted) and their containers',
        `the data folder ${base}: all messages, media, encryption keys and the database`,
      ],
      ...(input.fallbacks && input.fallbacks.length > 0 ? { fallbacks: input.fallbacks } : {}),
    },
    local: { remove: await localSecrets(input.paths, input.checkout), keep: keptItems(input.paths) },
  };
}

/** The plan as the lines shown before the confirmation. */
export function planLines(plan: TeardownPlan, root: string, localOnly: boolean): string[] {
  const rel = (p: string) => relative(root, p) || '.';
  const lines = [`This DESTROYS the Matrix server for ${plan.domain}. It cannot be undone.`, ''];
  if (localOnly) {
    lines.push(`On the server ${plan.server.host} (${plan.server.address}): nothing (--local-only).`);
    lines.push(
      '  Use this only when the server no longer exists (e.g. the VPS was deleted at the provider).',
    );
  } else {
    lines.push(`On the server ${plan.server.host} (${plan.server.address}), removed for good:`);
    for (const d of plan.server.destroyed) lines.push(`  - ${d}`);
    for (const f of plan.server.fallbacks ?? []) {
      lines.push(`On the fallback server ${f.host} (${f.address}), removed for good: the same.`);
    }
  }
  lines.push('', `In the case folder ${root}, removed:`);
  if (plan.local.remove.length === 0) lines.push('  (no secrets left)');
  for (const i of plan.local.remove) lines.push(`  - ${rel(i.path)}: ${i.what}`);
  lines.push('Kept as the case record:');
  for (const i of plan.local.keep) lines.push(`  - ${rel(i.path)}: ${i.what}`);
  lines.push(
    '',
    'Federated rooms: have everyone leave rooms shared with other servers first; otherwise a',
    'future server for the same domain has trouble rejoining them.',
  );
  return lines;
}

/** Whether `typed` names `domain`: case, surrounding blanks, a final dot and IDN form do not matter. */
export function confirmationMatches(typed: string, domain: string): boolean {
  const norm = (s: string) => {
    const t = s.trim().replace(/\.$/, '').toLowerCase();
    return domainToASCII(t) || t;
  };
  return typed.trim() !== '' && norm(typed) === norm(domain);
}
