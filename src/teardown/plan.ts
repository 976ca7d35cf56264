import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { domainToASCII } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { exists, readIfExists } from '../adapters/files.js';
import type { CasePaths } from '../case/paths.js';
import { inventoryHostName } from '../case/paths.js';
import { CONTROL_ROOM_FILE } from '../control-room/case.js';

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
    const data = parseYaml(varsText) as Record<string, unknown> | null;
    const v = data?.matrix_base_data_path;
    return typeof v === 'string' && v.trim() !== '' ? v.trim() : DEFAULT_BASE;
  } catch {
    return DEFAULT_BASE;
  }
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
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const path = join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name === '.git' || skip.includes(path)) continue;
        await walk(path);
      } else if (isLeftover(e.name)) {
        found.push(path);
      }
    }
  };
  await walk(root);
  return found.sort();
}

/** Every local file teardown removes that exists now (secrets and what could hold one). */
export async function localSecrets(paths: CasePaths, checkout: string | undefined): Promise<LocalItem[]> {
  const items: LocalItem[] = [];
  if (await exists(paths.vars)) items.push({ path: paths.vars, what: 'the server secrets (vars.yml)' });
  if (await exists(paths.credentialsDir)) {
    items.push({ path: paths.credentialsDir, what: 'user passwords handed out (credentials/)' });
  }
  const room = join(paths.root, CONTROL_ROOM_FILE);
  if (await exists(room)) items.push({ path: room, what: 'the control room record' });
  const recorder = join(paths.root, 'record', 'recorder');
  if (await exists(recorder)) {
    items.push({ path: recorder, what: "the recorder's login, keys and crypto store (record/recorder/)" });
  }
  const skip = [paths.credentialsDir, paths.logsDir, ...(checkout ? [checkout] : [])];
  for (const f of await findLeftovers(paths.root, skip)) {
    items.push({
      path: f,
      what: f.endsWith('.pending') ? 'a pending password file' : 'a temporary file of an interrupted write',
    });
  }
  return items;
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
