import { readFile } from 'node:fs/promises';
import { credentialsPath, parseCredentials as parseUserAddCredentials } from '../case/credentials.js';
import type { CasePaths } from '../case/paths.js';
import { UserError } from '../errors.js';

/**
 * The admin's password, read from the case's credentials file (written by `user add`):
 * lines of `key: value`, e.g. `user_id: @alice:example.com`, `password: ...`. Parsing is
 * lenient about key case and spacing. A --password-file may hold the same format or just the
 * password on its first line.
 */

/** Parse `key: value` lines (also `key = value`); keys lowercased, values trimmed. */
export function parseCredentials(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const m = /^\s*([A-Za-z][A-Za-z0-9_ .-]*?)\s*[:=]\s*(.*?)\s*$/.exec(raw);
    if (!m || raw.trimStart().startsWith('#')) continue;
    const key = m[1]!.toLowerCase().replace(/[\s.-]+/g, '_');
    if (!(key in out)) out[key] = m[2]!;
  }
  return out;
}

/** The case's credentials file of `user`, named as `user add` names it (a "/" is escaped). */
export function credentialsFile(paths: Pick<CasePaths, 'credentialsDir'>, user: string): string {
  return credentialsPath(paths.credentialsDir, user);
}

/** The password for `user`: from `passwordFile` if given, else credentials/<user>.txt. */
export async function readPassword(
  paths: Pick<CasePaths, 'credentialsDir'>,
  user: string,
  passwordFile?: string,
): Promise<string> {
  if (passwordFile) {
    const text = await readText(passwordFile, '--password-file', 'give a file that holds the password');
    const fields = parseCredentials(text);
    const password = fields.password ?? text.split(/\r?\n/)[0] ?? '';
    if (!password) {
      throw new UserError(`--password-file ${passwordFile} is empty`, {
        hint: 'put the password on the first line (or a "password: ..." line)',
      });
    }
    return password;
  }
  const file = credentialsFile(paths, user);
  const text = await readText(
    file,
    'the credentials file',
    `create the user first ("matrix-oob user add ${user}"), or pass --password-file FILE`,
  );
  // The exact format `user add` writes keeps every character of the password (spaces too);
  // the lenient parser is the fallback for hand-written files.
  const password = parseUserAddCredentials(text).password ?? parseCredentials(text).password;
  if (!password) {
    throw new UserError(`${file} has no "password:" line`, {
      hint: `run "matrix-oob user add ${user}" again, or pass --password-file FILE`,
    });
  }
  return password;
}

async function readText(file: string, what: string, fix: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(`cannot read ${what} ${file}: ${code === 'ENOENT' ? 'no such file' : code}`, {
      hint: fix,
    });
  }
}
