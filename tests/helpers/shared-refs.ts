import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedSkip, unpackShared } from './shared.js';

/**
 * Single files of the real references beside the project (../shared, located and unpacked once
 * per run by ./shared.js): MDAD's repository at the pin and the Matrix spec's API definitions.
 * Without them every getter returns undefined and the caller skips its check, saying why.
 */

/** Why a check against both real references cannot run here (one line), or undefined when it can. */
export function sharedMissing(): string | undefined {
  return sharedSkip('mdad', 'spec');
}

/** A file of MDAD's master at the pinned commit, or undefined without ../shared. */
export function realMdadFile(path: string): string | undefined {
  if (sharedSkip('mdad')) return undefined;
  const gitDir = join(unpackShared('mdad'), 'matrix-docker-ansible-deploy.git');
  return execFileSync('git', ['--git-dir', gitDir, 'show', `HEAD:${path}`], { encoding: 'utf8' });
}

/** A file of the spec's API definitions (e.g. "client-server/admin.yaml"), or undefined. */
export function specApiFile(path: string): string | undefined {
  if (sharedSkip('spec')) return undefined;
  const file = join(unpackShared('spec'), 'matrix-spec', 'data', 'api', path);
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}
