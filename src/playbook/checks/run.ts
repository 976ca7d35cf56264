import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { readIfExists, writeFileAtomic } from '../../adapters/files.js';
import type { Capture } from '../../adapters/process.js';
import { type CheckFailure, parseChecksOutput } from './output.js';
import { type ChecksPlan, checksPlaybook, defaultsOnly, planChecks } from './plan.js';

/**
 * Run the checkout's own configuration checks (its roles' validate_*.yml task files) against
 * the case's inventory, on this machine, before anything touches the server: no SSH, no fact
 * gathering, check mode, nothing installed. The result is cached by (checkout commit and
 * local changes, inventory content): a re-run with nothing changed is instant.
 */

/** Bump when the way checks are planned or judged changes (invalidates every cache). */
const CHECKS_FORMAT = 1;

/**
 * Server facts MDAD's checks read. The server has not been contacted yet, so the common case
 * is assumed (the real run checks again with the real facts).
 */
export const ASSUMED_FACTS = { ansible_architecture: 'x86_64', ansible_os_family: 'Debian' } as const;

export interface LocalChecksRequest {
  checkout: string;
  /** The inventory's hosts file (host_vars/ and group_vars/ beside it are part of the key). */
  inventory: string;
  capture: Capture;
  env: NodeJS.ProcessEnv;
  /** Where to remember results (e.g. <case>/.cache/mdad-checks.json). */
  cacheFile?: string;
  /** Applied to every message before it is returned or stored. */
  redact?: (text: string) => string;
  timeoutMs?: number;
}

export interface LocalChecksResult {
  status: 'pass' | 'fail' | 'error' | 'none';
  /** How many validate task files (one per role and file) were run. */
  checks: number;
  failures: CheckFailure[];
  /** When status is 'error': why the checks could not run. */
  error?: string;
  cached: boolean;
  seconds: number;
  key: string;
}

export async function runLocalChecks(req: LocalChecksRequest): Promise<LocalChecksResult> {
  const started = performance.now();
  const seconds = () => Math.round((performance.now() - started) / 10) / 100;
  const redact = req.redact ?? ((t: string) => t);
  const key = await cacheKey(req);
  if (req.cacheFile) {
    const cached = await readCache(req.cacheFile, key);
    if (cached) return { ...cached, cached: true, seconds: seconds(), key };
  }
  const plan = await planChecks(req.checkout);
  const count = plan ? plan.roles.reduce((n, r) => n + r.checks.length, 0) : 0;
  let result: Omit<LocalChecksResult, 'cached' | 'seconds' | 'key'>;
  if (!plan || count === 0) {
    result = { status: 'none', checks: 0, failures: [] };
  } else {
    result = await execute(req, plan, count, redact);
  }
  if (req.cacheFile && result.status !== 'error') {
    await mkdir(dirname(req.cacheFile), { recursive: true, mode: 0o700 });
    await writeFileAtomic(req.cacheFile, `${JSON.stringify({ key, result })}\n`);
  }
  return { ...result, cached: false, seconds: seconds(), key };
}

async function execute(
  req: LocalChecksRequest,
  plan: ChecksPlan,
  count: number,
  redact: (t: string) => string,
): Promise<Omit<LocalChecksResult, 'cached' | 'seconds' | 'key'>> {
  // A playbook beside links to the checkout's roles/ and group_vars/, so that Ansible loads
  // them exactly as for setup.yml; run from the checkout so its ansible.cfg applies.
  const dir = await mkdtemp(join(tmpdir(), 'matrix-oob-checks-'));
  try {
    await symlink(join(req.checkout, 'roles'), join(dir, 'roles'));
    // group_vars/matrix_servers as setup.yml sees it; the defaults of roles without checks in
    // group_vars/all (below it in Ansible's precedence, as role defaults are), in play order.
    await mkdir(join(dir, 'group_vars', 'all'), { recursive: true });
    for (const entry of await readdir(join(req.checkout, 'group_vars')).catch(() => [] as string[]))
      if (entry !== 'all')
        await symlink(join(req.checkout, 'group_vars', entry), join(dir, 'group_vars', entry));
    let n = 0;
    for (const role of defaultsOnly(plan)) {
      const file = join(req.checkout, 'roles', role, 'defaults', 'main.yml');
      if ((await readIfExists(file)) === undefined) continue;
      const name = `${String(++n).padStart(3, '0')}-${role.replace(/[^A-Za-z0-9_-]/g, '_')}.yml`;
      await symlink(file, join(dir, 'group_vars', 'all', name));
    }
    await writeFile(join(dir, 'checks.yml'), stringify(checksPlaybook(plan)), { mode: 0o600 });
    const facts = join(dir, 'facts');
    await mkdir(facts, { mode: 0o700 });
    const hosts = await inventoryHosts(req.inventory);
    await Promise.all(
      hosts.map((h) => writeFile(join(facts, h), JSON.stringify(ASSUMED_FACTS), { mode: 0o600 })),
    );
    const env: NodeJS.ProcessEnv = {
      ...req.env,
      ANSIBLE_CACHE_PLUGIN: 'jsonfile',
      ANSIBLE_CACHE_PLUGIN_CONNECTION: facts,
      ANSIBLE_CACHE_PLUGIN_TIMEOUT: '0',
      ANSIBLE_CALLBACK_RESULT_FORMAT: 'json',
      ANSIBLE_CALLBACK_FORMAT_PRETTY: 'false',
      ANSIBLE_DISPLAY_SKIPPED_HOSTS: 'false',
      ANSIBLE_DISPLAY_OK_HOSTS: 'false',
      ANSIBLE_STDOUT_CALLBACK: 'default',
      ANSIBLE_NOCOLOR: '1',
      ANSIBLE_RETRY_FILES_ENABLED: 'false',
      ANSIBLE_HOST_KEY_CHECKING: 'true',
    };
    delete env.ANSIBLE_FORCE_COLOR;
    const r = await req.capture(
      'ansible-playbook',
      ['-i', req.inventory, join(dir, 'checks.yml'), '--check', '-e', 'ansible_connection=local'],
      { cwd: req.checkout, env, timeoutMs: req.timeoutMs ?? 300_000 },
    );
    if (r.notFound) {
      return { status: 'error', checks: count, failures: [], error: 'ansible-playbook is not installed' };
    }
    const parsed = parseChecksOutput(
      redact(r.stdout),
      redact(r.stderr),
      await inventoryVariables(req.inventory),
    );
    if (parsed.failures.length > 0) return { status: 'fail', checks: count, failures: parsed.failures };
    if (r.exitCode !== 0) {
      return {
        status: 'error',
        checks: count,
        failures: [],
        error: parsed.error ?? `ansible-playbook exited with ${r.exitCode}`,
      };
    }
    return { status: 'pass', checks: count, failures: [] };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The top-level variable names the inventory's host_vars and group_vars set. */
async function inventoryVariables(inventory: string): Promise<Set<string>> {
  const base = dirname(inventory);
  const names = new Set<string>();
  for (const file of [
    ...(await filesUnder(join(base, 'host_vars'))),
    ...(await filesUnder(join(base, 'group_vars'))),
  ]) {
    for (const m of ((await readIfExists(file)) ?? '').matchAll(/^([A-Za-z_][A-Za-z0-9_]*):/gm))
      names.add(m[1]!);
  }
  return names;
}

/** The host names of an INI inventory (for the assumed facts). */
async function inventoryHosts(file: string): Promise<string[]> {
  const text = (await readIfExists(file)) ?? '';
  const hosts = new Set<string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';') || line.startsWith('[')) continue;
    const name = line.split(/\s+/)[0];
    if (name && !name.includes('=')) hosts.add(name);
  }
  return [...hosts];
}

async function cacheKey(req: LocalChecksRequest): Promise<string> {
  const hash = createHash('sha256');
  hash.update(`format ${CHECKS_FORMAT}\n`);
  const git = (args: string[]) => req.capture('git', ['-C', req.checkout, ...args], { timeoutMs: 30_000 });
  const [head, status] = await Promise.all([
    git(['rev-parse', 'HEAD']),
    git(['status', '--porcelain', '--untracked-files=no']),
  ]);
  hash.update(`commit ${head.exitCode === 0 ? head.stdout.trim() : 'none'}\n`);
  if (head.exitCode !== 0 || status.stdout.trim() !== '') {
    // Not a clean git checkout: the size and time of each of its files stand in for the commit.
    for (const file of await filesUnder(req.checkout, true)) hash.update(file);
  } else {
    // The galaxy roles are not part of the commit.
    for (const file of await filesUnder(join(req.checkout, 'roles', 'galaxy'), true)) hash.update(file);
  }
  const base = dirname(req.inventory);
  for (const file of [
    req.inventory,
    ...(await filesUnder(join(base, 'host_vars'))),
    ...(await filesUnder(join(base, 'group_vars'))),
  ]) {
    hash.update(`${file}\n`);
    hash.update((await readIfExists(file)) ?? '<missing>');
  }
  return hash.digest('hex');
}

/** Files under `dir`, sorted; with `stamp`, each as "path size mtime" (cheaper than reading them). */
async function filesUnder(dir: string, stamp = false): Promise<string[]> {
  let files: string[];
  try {
    const entries = await readdir(dir, { withFileTypes: true, recursive: true });
    files = entries
      .filter((e) => e.isFile() && !`${e.parentPath}/`.includes('/.git/'))
      .map((e) => join(e.parentPath ?? dir, e.name))
      .sort();
  } catch {
    return [];
  }
  if (!stamp) return files;
  return Promise.all(
    files.map(async (f) => {
      const s = await stat(f).catch(() => undefined);
      return `${f} ${s?.size ?? -1} ${s?.mtimeMs ?? -1}\n`;
    }),
  );
}

async function readCache(
  file: string,
  key: string,
): Promise<Omit<LocalChecksResult, 'cached' | 'seconds' | 'key'> | undefined> {
  try {
    const data = JSON.parse(await readFile(file, 'utf8')) as {
      key?: string;
      result?: Omit<LocalChecksResult, 'cached' | 'seconds' | 'key'>;
    };
    return data.key === key && data.result ? data.result : undefined;
  } catch {
    return undefined;
  }
}
