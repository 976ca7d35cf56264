import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { exists } from '../../adapters/files.js';
import { interruptOnSignals } from '../../adapters/signals.js';
import { credentialsPath, pendingPath } from '../../case/credentials.js';
import { journal } from '../../case/journal.js';
import { withCaseLock } from '../../case/lock.js';
import { loadCase } from '../../config/load.js';
import { editConfigUsers } from '../../config/users-edit.js';
import { localpartProblem } from '../../config/validators.js';
import { homeserverUrl } from '../../control-room/case.js';
import { readPassword } from '../../control-room/credentials.js';
import { FailureError, UserError } from '../../errors.js';
import { MatrixApiError, MatrixClient, MatrixUnreachableError } from '../../matrix/client.js';
import { Redactor } from '../../secrets/redact.js';
import { nextCommand } from '../../ui/next.js';
import type { Output } from '../../ui/output.js';
import type { GlobalOptions } from '../context.js';
import { requestTimeoutMs } from '../options.js';

export interface UserRemoveOptions {
  homeserverUrl?: string;
  timeout: string;
}

export interface UserRemoveRequest {
  name: string;
  opts: UserRemoveOptions;
  globals: GlobalOptions;
  out: Output;
  fetch?: typeof fetch;
}

/**
 * `matrix-oob user remove NAME` (docs/users.md, "A seized device"): deactivate the account on
 * the server with its own password (POST /account/deactivate: every session ends, it can never
 * log in again, what it wrote stays as evidence), then delete its credentials file, drop it from
 * the config and journal it. Nothing local changes unless the server confirmed.
 */
/** Run under the case lock: no other command changes the case meanwhile. */
export async function runUserRemove(req: UserRemoveRequest): Promise<void> {
  await withCaseLock(resolve(req.globals.case), 'user remove', () => userRemoveLocked(req));
}

async function userRemoveLocked(req: UserRemoveRequest): Promise<void> {
  const { name, out, globals } = req;
  const loaded = await loadCase(globals.case);
  const { config, paths } = loaded;
  const problem = localpartProblem(name, config.domain);
  if (problem) throw new UserError(`user name ${problem}`);
  const timeoutMs = requestTimeoutMs(req.opts.timeout);
  const userId = `@${name}:${config.domain}`;
  const credFile = credentialsPath(paths.credentialsDir, name);
  const configured = config.users.find((u) => u.name === name);
  const registered = await exists(credFile);
  if (!configured && !registered) {
    throw new UserError(`no user ${name} in this case: not in ${paths.config}, no ${credFile}`, {
      hint: `the case's users: ${config.users.map((u) => u.name).join(', ') || 'none'}.`,
    });
  }

  let deactivated = false;
  if (registered) {
    const password = await readPassword(paths, name);
    const client = new MatrixClient({
      baseUrl: homeserverUrl(config.domain, req.opts.homeserverUrl),
      redactor: new Redactor([password]),
      timeoutMs,
      ...(req.fetch ? { fetch: req.fetch } : {}),
    });
    const interrupt = interruptOnSignals();
    try {
      await client.login(name, password, 'matrix-oob user remove');
      await client.deactivateAccount(name, password);
      deactivated = true;
    } catch (err) {
      await journal(paths.journal, {
        command: 'user remove',
        user: name,
        result: 'failed',
        error: err instanceof Error ? err.message : String(err),
      });
      throw explain(err, name, credFile, paths.root);
    } finally {
      await client.logout().catch(() => undefined);
      interrupt.dispose();
    }
    out.info(
      `${userId}: deactivated on the server; every session of it has ended and it cannot log in again.`,
    );
  } else {
    out.info(`${userId} was never registered (no ${credFile}): nothing to deactivate on the server.`);
  }

  await rm(credFile, { force: true });
  await rm(pendingPath(paths.credentialsDir, name), { force: true });
  const fromConfig = configured ? await editConfigUsers(paths.config, { remove: name }) : false;
  await journal(paths.journal, {
    command: 'user remove',
    user: name,
    result: 'ok',
    deactivated,
    credentials_deleted: registered,
    removed_from_config: fromConfig,
  });
  if (registered) out.info(`deleted ${credFile}`);
  if (fromConfig) out.info(`removed ${name} from users: in ${paths.config}`);
  const admins = config.users.filter((u) => u.admin && u.name !== name);
  if (configured?.admin && admins.length === 0) {
    out.warn(
      'that was the only admin: make another user admin: true and register it ("matrix-oob user add NAME --admin") to manage the server and the #control room',
    );
  }
  if (globals.json) {
    out.data(
      JSON.stringify(
        {
          ok: true,
          user_id: userId,
          deactivated,
          credentials_deleted: registered,
          removed_from_config: fromConfig,
        },
        null,
        2,
      ),
    );
  }
  out.info(
    `Next: tell the team over a trusted channel that ${userId} is gone; messages from it after now are not from your colleague. To give the person a new account: "${nextCommand('user add', paths.root, `${name}2`)}" (a deactivated name cannot be reused).`,
  );
}

function explain(err: unknown, name: string, credFile: string, root: string): unknown {
  const admin = `deactivate it as an admin instead (docs/users.md, "A seized device"); nothing was changed locally`;
  if (err instanceof MatrixApiError && err.errcode === 'M_USER_DEACTIVATED') {
    return new FailureError(`${name} is already deactivated on the server`, {
      hint: `delete ${credFile} and the users: entry yourself, or run "${nextCommand('user remove', root, name)}" once the server is reachable again.`,
    });
  }
  if (err instanceof MatrixApiError && (err.status === 401 || err.status === 403)) {
    return new FailureError(`the server refused ${name}'s password from ${credFile} (${err.errcode})`, {
      hint: `the password may have been changed by whoever holds the device: ${admin}.`,
    });
  }
  if (err instanceof MatrixUnreachableError) {
    return new FailureError(`cannot reach the homeserver at ${err.baseUrl}: ${err.message}`, {
      hint: `check it with "${nextCommand('verify', root)}", then run "${nextCommand('user remove', root, name)}" again; nothing was changed.`,
    });
  }
  return err;
}
