import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { readIfExists, writeFileAtomic } from '../adapters/files.js';
import type { Capture } from '../adapters/process.js';
import { FailureError, UserError } from '../errors.js';
import { findHint } from './hints.js';

/**
 * The tags a playbook defines, from `ansible-playbook --list-tags`. A stage must never run a
 * tag the checkout lacks: Ansible accepts unknown tags silently and runs only the `always` tasks.
 */
export function parseListTags(output: string): Set<string> {
  const tags = new Set<string>();
  for (const m of output.matchAll(/\b(?:TASK TAGS|TAGS):\s*\[([^\]]*)\]/g)) {
    for (const t of m[1]!.split(',')) {
      const tag = t.trim();
      if (tag) tags.add(tag);
    }
  }
  return tags;
}

/** MDAD's tags for one user (mdad-contract.md section 4): register, or set a new password. */
export const USER_TAGS = { register: 'register-user', reset: 'update-user-password' } as const;

export interface ListTagsRequest {
  checkout: string;
  inventory: string;
  playbook: string;
  env: NodeJS.ProcessEnv;
  capture: Capture;
  /**
   * Remember the tags of a clean git checkout here, keyed by its commit and the state of its
   * galaxy roles: listing them loads the whole playbook (seconds, for MDAD). A checkout with
   * local changes, or not a git checkout, is listed every time.
   */
  cacheFile?: string;
}

/** The identity of a checkout's playbook code, or undefined when it cannot be trusted to stay put. */
async function checkoutKey(req: ListTagsRequest): Promise<string | undefined> {
  const git = (args: string[]) => req.capture('git', ['-C', req.checkout, ...args], { timeoutMs: 30_000 });
  const [head, status, roles] = await Promise.all([
    git(['rev-parse', 'HEAD']),
    git(['status', '--porcelain', '--untracked-files=no']),
    stat(join(req.checkout, 'roles', 'galaxy')).catch(() => undefined),
  ]);
  if (head.exitCode !== 0 || status.exitCode !== 0 || status.stdout.trim() !== '') return undefined;
  return `${head.stdout.trim()} ${req.playbook} galaxy:${roles ? roles.mtimeMs : 'none'}`;
}

export async function listTags(req: ListTagsRequest): Promise<Set<string>> {
  const key = req.cacheFile ? await checkoutKey(req) : undefined;
  if (key && req.cacheFile) {
    try {
      const cached = JSON.parse((await readIfExists(req.cacheFile)) ?? '{}') as {
        key?: string;
        tags?: string[];
      };
      if (cached.key === key && Array.isArray(cached.tags)) return new Set(cached.tags);
    } catch {
      // a damaged cache only costs a listing
    }
  }
  const tags = await listTagsNow(req);
  if (key && req.cacheFile)
    await writeFileAtomic(req.cacheFile, `${JSON.stringify({ key, tags: [...tags] })}\n`);
  return tags;
}

export async function listTagsNow(req: ListTagsRequest): Promise<Set<string>> {
  const r = await req.capture('ansible-playbook', ['-i', req.inventory, req.playbook, '--list-tags'], {
    cwd: req.checkout,
    env: req.env,
    timeoutMs: 300_000,
  });
  if (r.notFound) {
    throw new FailureError('ansible-playbook is not installed (not found on PATH)', {
      hint: 'install Ansible with ansible-core 2.15.1 or newer ("pipx install ansible", the full package), then run "matrix-oob doctor".',
    });
  }
  if (r.exitCode !== 0) {
    const text = `${r.stdout}\n${r.stderr}`;
    const error = text
      .split('\n')
      .find((l) => l.startsWith('ERROR!'))
      ?.trim();
    throw new FailureError(
      `cannot list the tags of ${req.playbook} in ${req.checkout}: ${error ?? `ansible-playbook exited with ${r.exitCode}`}`,
      { hint: findHint(error ?? '', text)?.hint },
    );
  }
  return parseListTags(r.stdout);
}

/** Refuse before running when a tag is missing from the checkout. */
export function assertTags(
  wanted: readonly string[],
  available: ReadonlySet<string>,
  checkout: string,
): void {
  const missing = wanted.filter((t) => !available.has(t));
  if (missing.length === 0) return;
  throw new UserError(
    `the playbook in ${checkout} has no tag ${missing.map((t) => `"${t}"`).join(', ')}; nothing was run`,
    {
      details: [`tags it defines: ${[...available].sort().join(', ') || '(none)'}`],
      hint: 'the checkout is probably too old or not matrix-docker-ansible-deploy: update it with "matrix-oob playbook fetch", or point playbook.path at a current checkout.',
    },
  );
}
