import { exists } from '../adapters/files.js';
import type { CreatorUser } from '../ansible/extra-vars.js';
import { caseAccounts } from '../config/accounts.js';
import type { Config } from '../config/schema.js';
import { USER_CREATOR_HOMESERVERS } from '../config/validators.js';
import { readJitsiPasswords } from '../inventory/jitsi-accounts.js';
import {
  credentialsFor,
  credentialsPath,
  generatePassword,
  pendingPath,
  readPassword,
  removeFile,
  writeCredentials,
} from './credentials.js';
import type { CasePaths } from './paths.js';

/**
 * The case's users, created by the setup run itself through MDAD's matrix-user-creator role
 * (`matrix_user_creator_users_additional`, tag ensure-matrix-users-created) instead of one
 * `register-user` run per user. Passwords never leave the 0600 files: the pending credentials
 * file (written before the run, so a retry reuses the password), the extra-vars file (0600,
 * deleted after the run), then the credentials file once the run succeeded.
 */

export interface SetupUser extends CreatorUser {
  userId: string;
  admin: boolean;
  /** Their Jitsi login, when Jitsi requires one (docs/calls.md). */
  jitsiPassword?: string;
  credFile: string;
  pendFile: string;
}

/** The configured users without a credentials file, each with its (pending) password. */
export async function prepareSetupUsers(
  config: Pick<Config, 'domain' | 'element' | 'homeserver' | 'users'> & Partial<Pick<Config, 'recorder'>>,
  paths: Pick<CasePaths, 'credentialsDir' | 'vars'>,
): Promise<SetupUser[]> {
  if (!USER_CREATOR_HOMESERVERS.includes(config.homeserver)) return [];
  const users: SetupUser[] = [];
  const jitsi = await readJitsiPasswords(paths.vars);
  // The configured users and the recorder (docs/record.md): all created before anyone talks.
  for (const u of caseAccounts(config)) {
    const credFile = credentialsPath(paths.credentialsDir, u.name);
    if (await exists(credFile)) continue;
    const pendFile = pendingPath(paths.credentialsDir, u.name);
    // Never regenerate a password that may already be in use: reuse a pending one.
    const password = (await readPassword(pendFile)) ?? generatePassword();
    const jitsiPassword = jitsi.get(u.name);
    await writeCredentials(pendFile, credentialsFor(config, u.name, password, u.admin, jitsiPassword));
    users.push({
      username: u.name,
      password,
      type: u.admin ? 'admin' : 'user',
      admin: u.admin,
      userId: `@${u.name}:${config.domain}`,
      credFile,
      pendFile,
      ...(jitsiPassword !== undefined ? { jitsiPassword } : {}),
    });
  }
  return users;
}

/** After a successful setup run: the credentials files, and no pending ones. */
export async function finishSetupUsers(
  config: Pick<Config, 'domain' | 'element'>,
  users: readonly SetupUser[],
): Promise<void> {
  for (const u of users) {
    await writeCredentials(
      u.credFile,
      credentialsFor(config, u.username, u.password, u.admin, u.jitsiPassword),
    );
    await removeFile(u.pendFile);
  }
}
