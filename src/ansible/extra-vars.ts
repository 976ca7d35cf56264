import { rmSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A value for an Ansible extra-vars YAML file that Ansible takes literally: `!unsafe` stops
 * Jinja templating ({{ }}, {% %}), single quotes stop YAML from interpreting anything (only `'`
 * needs escaping, by doubling it). Newlines are refused: a folded scalar would change them.
 */
export function unsafeYamlString(value: string): string {
  if (/[\r\n]/.test(value)) throw new Error('an extra-vars value must not contain a line break');
  return `!unsafe '${value.replace(/'/g, "''")}'`;
}

/** A plain single-quoted YAML string (`admin: 'yes'` stays a string, not a boolean). */
export function quotedYamlString(value: string): string {
  if (/[\r\n]/.test(value)) throw new Error('an extra-vars value must not contain a line break');
  return `'${value.replace(/'/g, "''")}'`;
}

export function extraVarsYaml(vars: Record<string, string>, unsafe: readonly string[] = []): string {
  const lines = ['---'];
  for (const [key, value] of Object.entries(vars)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new Error(`invalid variable name ${key}`);
    lines.push(`${key}: ${unsafe.includes(key) ? unsafeYamlString(value) : quotedYamlString(value)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** One user for MDAD's matrix-user-creator role (roles/custom/matrix-user-creator). */
export interface CreatorUser {
  username: string;
  password: string;
  type: 'admin' | 'user';
}

/**
 * `matrix_user_creator_users_additional` as an extra-vars YAML document: the list MDAD's
 * matrix-user-creator role creates (tag ensure-matrix-users-created), each password `!unsafe`.
 */
export function userCreatorYaml(users: readonly CreatorUser[]): string {
  const lines = ['---', `${USER_CREATOR_VAR}:${users.length === 0 ? ' []' : ''}`];
  for (const u of users) {
    lines.push(`  - username: ${quotedYamlString(u.username)}`);
    lines.push(`    initial_password: ${unsafeYamlString(u.password)}`);
    lines.push(`    initial_type: ${quotedYamlString(u.type)}`);
  }
  return `${lines.join('\n')}\n`;
}

export const USER_CREATOR_VAR = 'matrix_user_creator_users_additional';

// Folders still to remove if the process ends before `finally` runs (e.g. an uncaught throw).
const live = new Set<string>();
let exitHookInstalled = false;
function trackForExit(dir: string): void {
  live.add(dir);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const d of live) rmSync(d, { recursive: true, force: true });
  });
}

/**
 * Write `vars` to `<0700 temp dir>/extra-vars.yml` (0600), call `fn(path)`, and remove the
 * folder afterwards, whether `fn` succeeds, fails or is interrupted. Values named in `unsafe`
 * are written as `!unsafe '...'`. `base` should be the case's `.tmp/` (src/case/lock.ts): the
 * folder's name carries this process's id, so when a SIGKILL leaves it behind, the next command
 * on the case removes it (sweepDeadTemp).
 */
export async function withExtraVarsFile<T>(
  vars: Record<string, string>,
  unsafe: readonly string[],
  fn: (file: string) => Promise<T>,
  base = tmpdir(),
): Promise<T> {
  return withExtraVarsText(extraVarsYaml(vars, unsafe), fn, base);
}

/** The same 0600 file in a 0700 folder, removed afterwards, for a ready YAML document. */
export async function withExtraVarsText<T>(
  content: string,
  fn: (file: string) => Promise<T>,
  base = tmpdir(),
): Promise<T> {
  const dir = await mkdtemp(join(base, `matrix-oob-vars-${process.pid}-`)); // mkdtemp: 0700
  trackForExit(dir);
  try {
    const file = join(dir, 'extra-vars.yml');
    const handle = await open(file, 'wx', 0o600);
    try {
      await handle.writeFile(content, 'utf8');
    } finally {
      await handle.close();
    }
    return await fn(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
    live.delete(dir);
  }
}
