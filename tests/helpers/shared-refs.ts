import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Read-only access to the real references beside the project (../shared): MDAD's repository and
 * the Matrix spec's API definitions. Both are tarballs; they are unpacked once per test process
 * into a temporary folder. On a machine without ../shared every getter returns undefined and the
 * caller skips its check, saying why.
 */
export const SHARED_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared');
const MDAD_TARBALL = join(SHARED_DIR, 'mdad', 'matrix-docker-ansible-deploy.git.tar.gz');
const SPEC_TARBALL = join(SHARED_DIR, 'matrix-spec', 'matrix-spec-v1.19-api.tar.gz');

let unpacked: string | undefined;
function scratch(): string {
  if (!unpacked) {
    unpacked = mkdtempSync(join(tmpdir(), 'matrix-oob-shared-'));
    process.once('exit', () => rmSync(unpacked!, { recursive: true, force: true }));
  }
  return unpacked;
}

/** Why a check against the real references cannot run here, or undefined when it can. */
export function sharedMissing(): string | undefined {
  if (!existsSync(MDAD_TARBALL) || !existsSync(SPEC_TARBALL))
    return `skipped: ${SHARED_DIR} (the real MDAD and Matrix spec) is not on this machine`;
  return undefined;
}

/** A file of MDAD's master at the pinned commit, or undefined without ../shared. */
export function realMdadFile(path: string): string | undefined {
  if (!existsSync(MDAD_TARBALL)) return undefined;
  const gitDir = join(scratch(), 'matrix-docker-ansible-deploy.git');
  if (!existsSync(gitDir)) execFileSync('tar', ['-xzf', MDAD_TARBALL, '-C', scratch()]);
  return execFileSync('git', ['--git-dir', gitDir, 'show', `HEAD:${path}`], { encoding: 'utf8' });
}

/** A file of the spec's API definitions (e.g. "client-server/admin.yaml"), or undefined. */
export function specApiFile(path: string): string | undefined {
  if (!existsSync(SPEC_TARBALL)) return undefined;
  const root = join(scratch(), 'matrix-spec', 'data', 'api');
  if (!existsSync(root)) execFileSync('tar', ['-xzf', SPEC_TARBALL, '-C', scratch()]);
  const file = join(root, path);
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}
