import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { generate } from 'generate-password';
import { readIfExists, writeFileAtomic } from '../adapters/files.js';
import type { Config } from '../config/schema.js';
import { UserError } from '../errors.js';

/** Shorter given passwords are refused: too weak, and too short to redact reliably. */
export const MIN_PASSWORD_LENGTH = 12;

/** 64 characters from a CSPRNG (generate-password uses crypto.randomBytes), letters and digits. */
export function generatePassword(): string {
  return generate({
    length: 64,
    numbers: true,
    uppercase: true,
    lowercase: true,
    symbols: false,
    strict: true,
  });
}

export interface Credentials {
  homeserver: string;
  user_id: string;
  password: string;
  element?: string;
  admin: 'yes' | 'no';
  /** Jitsi's meeting login (audio_video.stack jitsi or both): URL, user name, password. */
  jitsi?: { url: string; username: string; password: string };
  /** The same person's accounts on the fallback servers (docs/fallback.md): "@x:domain https://matrix.domain". */
  fallback_accounts?: string[];
}

export function credentialsFor(
  config: Pick<Config, 'domain' | 'element' | 'fallback'>,
  name: string,
  password: string,
  admin: boolean,
  jitsiPassword?: string,
): Credentials {
  const fallbacks = (config.fallback ?? []).map((f) => `@${name}:${f.domain} https://matrix.${f.domain}`);
  return {
    ...(fallbacks.length > 0 ? { fallback_accounts: fallbacks } : {}),
    homeserver: `https://matrix.${config.domain}`,
    user_id: `@${name}:${config.domain}`,
    password,
    ...(config.element ? { element: `https://element.${config.domain}` } : {}),
    admin: admin ? 'yes' : 'no',
    ...(jitsiPassword !== undefined
      ? { jitsi: { url: `https://jitsi.${config.domain}`, username: name, password: jitsiPassword } }
      : {}),
  };
}

/** `key: value` lines, handed to the user out of band. */
export function formatCredentials(c: Credentials): string {
  const lines = [
    `homeserver: ${c.homeserver}`,
    `user_id: ${c.user_id}`,
    `password: ${c.password}`,
    ...(c.element ? [`element: ${c.element}`] : []),
    `admin: ${c.admin}`,
    ...(c.jitsi
      ? [
          `jitsi: ${c.jitsi.url}`,
          `jitsi_username: ${c.jitsi.username}`,
          `jitsi_password: ${c.jitsi.password}`,
          'jitsi_note: Jitsi asks for this login (not the Matrix one) when you start a meeting',
        ]
      : []),
    // Each fallback server has the same account and password: log in there when the main one is gone.
    ...(c.fallback_accounts ?? []).map((a) => `fallback_account: ${a}`),
    'reminder: after logging in, verify the device fingerprints (emoji or security key) of every other participant in person or by phone before trusting what they write',
  ];
  return `${lines.join('\n')}\n`;
}

/** A credentials file read back: its `key: value` lines; every `fallback_account:` line kept. */
export function parseCredentials(text: string): Partial<Credentials> {
  const out: Record<string, string> = {};
  const fallbacks: string[] = [];
  for (const line of text.split('\n')) {
    const i = line.indexOf(': ');
    if (i <= 0) continue;
    if (line.slice(0, i) === 'fallback_account') fallbacks.push(line.slice(i + 2));
    else out[line.slice(0, i)] = line.slice(i + 2);
  }
  return {
    ...(out as Partial<Credentials>),
    ...(fallbacks.length > 0 ? { fallback_accounts: fallbacks } : {}),
  };
}

export function credentialsPath(dir: string, name: string): string {
  return join(dir, `${safeName(name)}.txt`);
}

/** Written before registering, so a retry after a crash reuses the same password. */
export function pendingPath(dir: string, name: string): string {
  return join(dir, `${safeName(name)}.pending`);
}

/** Localparts may contain "/", which cannot be in a file name. */
function safeName(name: string): string {
  return name.replace(/\//g, '%2F');
}

export async function readPassword(path: string): Promise<string | undefined> {
  const text = await readIfExists(path);
  return text === undefined ? undefined : parseCredentials(text).password;
}

export async function writeCredentials(path: string, c: Credentials): Promise<void> {
  await writeFileAtomic(path, formatCredentials(c));
}

export async function removeFile(path: string): Promise<void> {
  await rm(path, { force: true });
}

/**
 * A password from --password-file (or stdin for "-"): one trailing line break is dropped; a
 * password with a line break inside, or an empty one, is refused (it could not be typed, and
 * YAML would change it).
 */
export async function passwordFromFile(
  file: string,
  stdin: () => Promise<string> = readStdin,
): Promise<string> {
  let text: string;
  try {
    text = file === '-' ? await stdin() : await readFile(file, 'utf8');
  } catch (err) {
    throw new UserError(
      `--password-file: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      {
        hint: 'give a readable file holding the password on one line, or "-" to read it from stdin.',
      },
    );
  }
  const password = text.replace(/\r?\n$/, '');
  if (/[\r\n]/.test(password)) {
    throw new UserError(
      '--password-file: the password contains a line break; a password must be a single line',
      {
        hint: 'put the password alone on the first line of the file.',
      },
    );
  }
  if (password.length === 0) {
    throw new UserError('--password-file: the file is empty', {
      hint: 'put the password on the first line of the file.',
    });
  }
  if ([...password].length < MIN_PASSWORD_LENGTH) {
    throw new UserError(
      `--password-file: the password has ${[...password].length} characters; at least ${MIN_PASSWORD_LENGTH} are needed`,
      {
        hint: 'use a longer passphrase, or leave out --password-file to get a generated 64-character password.',
      },
    );
  }
  return password;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
