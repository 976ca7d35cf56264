import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { readIfExists } from '../adapters/files.js';

/** The galaxy roles a checkout needs (requirements.yml) and what roles/galaxy/ holds. */

export const REQUIREMENTS_FILE = 'requirements.yml';
export const GALAXY_ROLES_DIR = 'roles/galaxy';

export interface RequiredRole {
  name: string;
  version?: string;
}

/** The name ansible-galaxy installs a requirement under. */
export function roleName(entry: { src?: unknown; name?: unknown }): string | undefined {
  if (typeof entry.name === 'string' && entry.name !== '') return entry.name;
  if (typeof entry.src !== 'string' || entry.src === '') return undefined;
  const src = entry.src.replace(/^git\+/, '').replace(/[#?].*$/, '');
  const tail = src.split(/[/:]/).filter(Boolean).pop() ?? src;
  return tail.replace(/\.git$/, '').replace(/\.(tar\.gz|tgz|tar)$/, '');
}

/** Parse requirements.yml: a list of roles, or { roles: [...], collections: [...] }. */
export function parseRequirements(text: string): RequiredRole[] {
  const data = parse(text, { logLevel: 'silent' }) as unknown;
  const list = Array.isArray(data)
    ? data
    : data && typeof data === 'object' && Array.isArray((data as { roles?: unknown }).roles)
      ? (data as { roles: unknown[] }).roles
      : [];
  const roles: RequiredRole[] = [];
  for (const item of list) {
    const entry = typeof item === 'string' ? { src: item } : (item as Record<string, unknown>);
    if (!entry || typeof entry !== 'object') continue;
    const name = roleName(entry);
    if (!name) continue;
    const version = entry.version;
    roles.push({
      name,
      ...(typeof version === 'string' || typeof version === 'number' ? { version: String(version) } : {}),
    });
  }
  return roles;
}

export interface RolesState {
  required: RequiredRole[];
  missing: string[];
  /** Installed, but at another version than requirements.yml asks for. */
  outdated: { name: string; installed: string; wanted: string }[];
}

/** Compare requirements.yml with roles/galaxy/ in a checkout. Undefined: no requirements.yml. */
export async function galaxyRolesState(checkout: string): Promise<RolesState | undefined> {
  const text = await readIfExists(join(checkout, REQUIREMENTS_FILE));
  if (text === undefined) return undefined;
  const required = parseRequirements(text);
  let installed = new Set<string>();
  try {
    const entries = await readdir(join(checkout, GALAXY_ROLES_DIR), { withFileTypes: true });
    installed = new Set(entries.filter((e) => e.isDirectory()).map((e) => e.name));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const missing = required.filter((r) => !installed.has(r.name)).map((r) => r.name);
  const outdated: RolesState['outdated'] = [];
  await Promise.all(
    required
      .filter((r) => r.version !== undefined && installed.has(r.name))
      .map(async (r) => {
        const info = await readInstallInfo(join(checkout, GALAXY_ROLES_DIR, r.name));
        if (info !== undefined && info !== r.version) {
          outdated.push({ name: r.name, installed: info, wanted: r.version! });
        }
      }),
  );
  outdated.sort((a, b) => a.name.localeCompare(b.name));
  return { required, missing, outdated };
}

/** ansible-galaxy records what it installed in meta/.galaxy_install_info. */
async function readInstallInfo(roleDir: string): Promise<string | undefined> {
  try {
    const data = parse(await readFile(join(roleDir, 'meta', '.galaxy_install_info'), 'utf8'), {
      logLevel: 'silent',
    }) as {
      version?: unknown;
    };
    return data && (typeof data.version === 'string' || typeof data.version === 'number')
      ? String(data.version)
      : undefined;
  } catch {
    return undefined;
  }
}
