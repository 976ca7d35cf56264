import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The one way tests, the summary reporter and benches reach the real references beside the
 * project (../shared): MDAD's repository and galaxy roles, the Matrix spec's API definitions.
 * Read-only, never copied into the project (MDAD is AGPL): each reference's tarballs are unpacked
 * once per test run into the run folder tests/global-setup.js makes (the workers share it through
 * a lock folder), or once per process outside Jest. Where a reference is absent (a user's clone
 * has no ../shared), `sharedSkip` gives the one line a test says when it skips.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHARED_DIR = join(ROOT, '..', 'shared');

/** Each reference: its folder under ../shared (or the one `env` names), its tarballs, what it is. */
export const REFERENCES = {
  mdad: {
    folder: 'mdad',
    env: 'MATRIX_OOB_REAL_MDAD',
    files: ['matrix-docker-ansible-deploy.git.tar.gz', 'galaxy-roles.tar.gz'],
    what: 'the real MDAD snapshot',
  },
  spec: {
    folder: 'matrix-spec',
    files: ['matrix-spec-v1.19-api.tar.gz'],
    what: "the Matrix spec's API definitions",
  },
};

/** Where a reference's tarballs are, or why it cannot be used here. */
export function locateShared(name) {
  const ref = REFERENCES[name];
  const dir = (ref.env && process.env[ref.env]) || join(SHARED_DIR, ref.folder);
  const missing = ref.files.filter((f) => !existsSync(join(dir, f)));
  if (missing.length === 0) return { dir };
  return {
    reason: existsSync(dir)
      ? `${dir} lacks ${missing.join(', ')}`
      : `${dir} is absent (${ref.what} is only beside the development checkout${ref.env ? `; set ${ref.env} to its folder` : ''})`,
  };
}

/** The one line a test says when it skips for want of these references, or undefined. */
export function sharedSkip(...names) {
  for (const name of names) {
    const located = locateShared(name);
    if (!located.dir) return `skipped: ${located.reason}`;
  }
  return undefined;
}

/** The folder holding a reference's unpacked tarballs, unpacked on first use in this run. */
export function unpackShared(name) {
  const located = locateShared(name);
  if (!located.dir) throw new Error(`${REFERENCES[name].what} is not available: ${located.reason}`);
  return onceInRun(`shared-${name}`, (base) => {
    for (const file of REFERENCES[name].files)
      execFileSync('tar', ['-xzf', join(located.dir, file), '-C', base], { stdio: 'pipe' });
  });
}

/**
 * The folder `key` of this test run, filled by `fill` once: the first worker to take the lock
 * fills it, the others wait for it (and fail with its error if it failed).
 */
export function onceInRun(key, fill) {
  const base = join(runDir(), key);
  const ready = join(base, '.ready');
  const failed = `${base}.failed`;
  if (existsSync(ready)) return base;
  let owner = false;
  try {
    mkdirSync(`${base}.lock`);
    owner = true;
  } catch {
    // another worker fills it
  }
  if (owner) {
    try {
      mkdirSync(base, { recursive: true });
      fill(base);
      writeFileSync(ready, '');
    } catch (err) {
      writeFileSync(failed, String(err?.message ?? err));
      throw err;
    }
    return base;
  }
  const deadline = Date.now() + 180_000;
  while (!existsSync(ready)) {
    if (existsSync(failed)) throw new Error(`preparing ${base} failed: ${readFileSync(failed, 'utf8')}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${base} to be prepared`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
  }
  return base;
}

let own;
function runDir() {
  if (process.env.MATRIX_OOB_TEST_RUN_DIR) return process.env.MATRIX_OOB_TEST_RUN_DIR;
  if (!own) {
    const dir = mkdtempSync(join(tmpdir(), 'matrix-oob-run-'));
    own = dir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return own;
}
