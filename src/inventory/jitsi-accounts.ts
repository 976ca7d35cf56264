import { type Document, isMap, isScalar, isSeq } from 'yaml';
import { readIfExists } from '../adapters/files.js';
import { generateSecret } from './secrets.js';
import { parseVarsDocument } from './yaml-doc.js';

/** One Jitsi internal account (MDAD's `jitsi_prosody_auth_internal_accounts` items). */
export interface JitsiAccount {
  username: string;
  password: string;
}

export const JITSI_ACCOUNTS_KEY = 'jitsi_prosody_auth_internal_accounts';

/** Jitsi passwords are typed or pasted into Jitsi's login dialog: 32 alphanumerics (~190 bits). */
const JITSI_PASSWORD_LENGTH = 32;

/** The accounts an existing vars.yml already holds, by user name (never regenerated). */
export function existingJitsiAccounts(doc: Document | undefined): Map<string, string> {
  const out = new Map<string, string>();
  const list = doc?.get(JITSI_ACCOUNTS_KEY, true);
  if (!isSeq(list)) return out;
  for (const item of list.items) {
    if (!isMap(item)) continue;
    const user = item.get('username', true);
    const pass = item.get('password', true);
    if (
      isScalar(user) &&
      isScalar(pass) &&
      typeof user.value === 'string' &&
      typeof pass.value === 'string'
    ) {
      if (pass.value !== '') out.set(user.value, pass.value);
    }
  }
  return out;
}

/**
 * One account per case user: an existing password is kept byte-for-byte, a new user gets a
 * fresh CSPRNG password. Users no longer in the case lose their account (the list is managed).
 */
export function jitsiAccountsFor(
  userNames: readonly string[],
  existing: Map<string, string>,
): { accounts: JitsiAccount[]; created: string[] } {
  const created: string[] = [];
  const accounts = userNames.map((username) => {
    const kept = existing.get(username);
    if (kept !== undefined) return { username, password: kept };
    created.push(username);
    return { username, password: generateSecret(JITSI_PASSWORD_LENGTH) };
  });
  return { accounts, created };
}

/** The Jitsi passwords of a case's vars.yml, by user name (empty when there is none). */
export async function readJitsiPasswords(varsPath: string): Promise<Map<string, string>> {
  const text = await readIfExists(varsPath);
  if (text === undefined) return new Map();
  const doc = parseVarsDocument(text);
  return doc.errors.length > 0 ? new Map() : existingJitsiAccounts(doc);
}
