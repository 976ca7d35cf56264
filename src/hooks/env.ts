import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CasePaths, inventoryHostName } from '../case/paths.js';
import type { Config } from '../config/schema.js';
import type { HookEvent } from './discover.js';

/**
 * The case facts an executable hook receives (docs/hooks.md). No secret is ever among them:
 * a hook that needs one reads it from the case folder, whose path it gets.
 */
export function hookEnv(
  config: Config,
  paths: CasePaths,
  event: HookEvent,
  cli: string,
): Record<string, string> {
  const env: Record<string, string> = {
    MATRIX_OOB_EVENT: event,
    MATRIX_OOB_CASE_DIR: paths.root,
    MATRIX_OOB_CONFIG: paths.config,
    MATRIX_OOB_INVENTORY: paths.hosts,
    MATRIX_OOB_KNOWN_HOSTS: paths.knownHosts,
    MATRIX_OOB_CREDENTIALS_DIR: paths.credentialsDir,
    MATRIX_OOB_DOMAIN: config.domain,
    MATRIX_OOB_SERVER_NAME: inventoryHostName(config.domain),
    MATRIX_OOB_SERVER_ADDRESS: config.server.address,
    MATRIX_OOB_SSH_USER: config.server.ssh_user,
    MATRIX_OOB_SSH_PORT: String(config.server.ssh_port),
    MATRIX_OOB_HOMESERVER: config.homeserver,
    MATRIX_OOB_HOMESERVER_URL: `https://${inventoryHostName(config.domain)}`,
    MATRIX_OOB_USERS: config.users.map((u) => u.name).join(' '),
    MATRIX_OOB_ADMINS: config.users
      .filter((u) => u.admin)
      .map((u) => u.name)
      .join(' '),
    // How a hook calls matrix-oob itself: "$MATRIX_OOB" verify (one word, no shell needed).
    MATRIX_OOB: cli,
  };
  if (config.element) env.MATRIX_OOB_ELEMENT_URL = `https://element.${config.domain}`;
  if (config.playbook.path) env.MATRIX_OOB_PLAYBOOK_DIR = config.playbook.path;
  return env;
}

/** The launcher of this installation (bin/matrix-oob.js, beside dist/), for hooks that call matrix-oob. */
export const CLI_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'matrix-oob.js');
