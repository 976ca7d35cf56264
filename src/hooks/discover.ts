import { constants } from 'node:fs';
import { access, readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../errors.js';

/** Lifecycle events, in the order `up` and `teardown` reach them. */
export const HOOK_EVENTS = [
  'pre-setup',
  'post-setup',
  'post-start',
  'post-users',
  'pre-teardown',
  'post-teardown',
] as const;
export type HookEvent = (typeof HOOK_EVENTS)[number];

/** playbook-hooks/ at the package root (dist/hooks/ -> ../../playbook-hooks). */
export const SHIPPED_HOOKS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'playbook-hooks');

export interface Hook {
  event: HookEvent;
  /** File name: the sort key and what the journal records. */
  name: string;
  path: string;
  kind: 'executable' | 'playbook';
  origin: 'shipped' | 'case';
}

export interface Discovery {
  hooks: Hook[];
  /** Files in a hook folder that are neither executable nor *.yml: reported, not run. */
  ignored: { path: string; reason: string }[];
}

async function listFolder(
  dir: string,
  event: HookEvent,
  origin: Hook['origin'],
  out: Discovery,
): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  for (const name of names) {
    if (name.startsWith('.') || /^readme/i.test(name) || name.endsWith('.md')) continue;
    const path = join(dir, name);
    const info = await stat(path);
    if (!info.isFile()) continue;
    if (/\.ya?ml$/.test(name)) {
      out.hooks.push({ event, name, path, kind: 'playbook', origin });
      continue;
    }
    try {
      await access(path, constants.X_OK);
      out.hooks.push({ event, name, path, kind: 'executable', origin });
    } catch {
      out.ignored.push({ path, reason: 'not executable (chmod +x it) and not an Ansible playbook (*.yml)' });
    }
  }
}

/**
 * The hooks of an event: the tool's own (playbook-hooks/<event>/) and the case's
 * (<case>/hooks/<event>/), together in name order; on equal names the shipped one runs first.
 * `skip` names hooks (file names, with or without extension) that must not run.
 */
export async function discoverHooks(
  event: HookEvent,
  options: { caseHooksDir: string; shippedDir?: string; skip?: readonly string[] },
): Promise<Discovery> {
  const out: Discovery = { hooks: [], ignored: [] };
  await listFolder(join(options.shippedDir ?? SHIPPED_HOOKS_DIR, event), event, 'shipped', out);
  await listFolder(join(options.caseHooksDir, event), event, 'case', out);
  const skip = options.skip ?? [];
  out.hooks = out.hooks
    .filter((h) => !skip.some((s) => namesHook(s, h.name)))
    .sort((a, b) => (a.name === b.name ? (a.origin === 'shipped' ? -1 : 1) : a.name < b.name ? -1 : 1));
  return out;
}

/** Whether `name` (a --skip-hook value) names the hook file `hook`: with or without its extension. */
export function namesHook(name: string, hook: string): boolean {
  return name === hook || name === hook.replace(/\.[^.]+$/, '');
}

/**
 * Refuses a --skip-hook name that names no hook of `events` (a typo would let the hook run that
 * the user meant to leave out), before anything runs. The error lists the hooks there are.
 */
export async function checkSkipNames(
  skip: readonly string[],
  events: readonly HookEvent[],
  options: { caseHooksDir: string; shippedDir?: string },
): Promise<void> {
  if (skip.length === 0) return;
  const found = await Promise.all(events.map((e) => discoverHooks(e, options)));
  const names = [...new Set(found.flatMap((d) => d.hooks.map((h) => h.name)))].sort();
  for (const name of skip) {
    if (names.some((h) => namesHook(name, h))) continue;
    throw new UserError(`--skip-hook ${JSON.stringify(name)}: no ${events.join('/')} hook has that name`, {
      hint:
        names.length > 0
          ? `the hooks are: ${names.join(', ')} (with or without the extension); nothing was run.`
          : `there are no ${events.join('/')} hooks to skip (docs/hooks.md); nothing was run.`,
    });
  }
}
