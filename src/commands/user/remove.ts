import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { exists, readIfExists } from '../../adapters/files.js';
import { interruptOnSignals } from '../../adapters/signals.js';
import { credentialsPath, parseCredentials, pendingPath } from '../../case/credentials.js';
import { journal } from '../../case/journal.js';
import { withCaseLock } from '../../case/lock.js';
import { loadCase } from '../../config/load.js';
import { fallbackServers } from '../../config/servers.js';
import { editConfigUsers } from '../../config/users-edit.js';
import { localpartProblem } from '../../config/validators.js';
import { homeserverUrl } from '../../control-room/case.js';
import { readPassword } from '../../control-room/credentials.js';
import { fallbackServerUrls } from '../../control-room/server-urls.js';
import { FailureError, InterruptedError, UserError } from '../../errors.js';
import { MatrixApiError, MatrixClient, MatrixUnreachableError } from '../../matrix/client.js';
import { Redactor } from '../../secrets/redact.js';
import { nextCommand } from '../../ui/next.js';
import type { Output } from '../../ui/output.js';
import type { GlobalOptions } from '../context.js';
import { requestTimeoutMs } from '../options.js';

export interface UserRemoveOptions {
  homeserverUrl?: string;
  /** Set from commander: where --homeserver-url's value came from. */
  homeserverUrlFrom?: string;
  timeout: string;
  /** Fallback servers' homeserver URLs, DOMAIN=URL (docs/fallback.md). */
  serverUrl?: string[];
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
  const mainUrl = homeserverUrl(config.domain, req.opts.homeserverUrl, {
    address: config.server.address,
    ...(req.opts.homeserverUrlFrom ? { from: req.opts.homeserverUrlFrom } : {}),
  });
  const urls = fallbackServerUrls(req.opts.serverUrl ?? [], config);
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
  let servers: Outcome[] = [];
  if (registered) {
    const password = await readPassword(paths, name);
    // Every server the account is on: the main one, and each fallback its credentials list.
    const accounts = await fallbackAccounts(credFile);
    const targets = [
      { domain: config.domain, url: mainUrl },
      ...fallbackServers(config)
        .filter((s) => accounts.includes(`@${name}:${s.domain}`))
        .map((s) => ({ domain: s.domain, url: urls[s.domain] ?? homeserverUrl(s.domain) })),
    ];
    const interrupt = interruptOnSignals();
    let interrupted = false;
    try {
      const client = (url: string) =>
        new MatrixClient({
          baseUrl: url,
          redactor: new Redactor([password]),
          timeoutMs,
          signal: interrupt.signal,
          ...(req.fetch ? { fetch: req.fetch } : {}),
        });
      servers = await Promise.all(targets.map((t) => deactivateOn(t.domain, client(t.url), name, password)));
    } finally {
      interrupted = interrupt.signal.aborted;
      interrupt.dispose();
    }
    const perServer = targets.length > 1 ? { servers: servers.map((o) => `${o.domain}: ${o.status}`) } : {};
    if (interrupted) {
      // Ctrl-C wins over whatever the servers answered meanwhile: exit 130, journalled as such.
      await journal(paths.journal, {
        command: 'user remove',
        user: name,
        result: 'interrupted',
        ...perServer,
      });
      throw new InterruptedError(
        `interrupted: nothing was changed locally; run "${nextCommand('user remove', paths.root, name)}" again to finish`,
      );
    }
    const failed = servers.find((o) => o.status === 'failed');
    if (failed) {
      await journal(paths.journal, {
        command: 'user remove',
        user: name,
        result: 'failed',
        error: failed.error instanceof Error ? failed.error.message : String(failed.error),
        ...perServer,
      });
      throw explain(failed, servers, name, credFile, paths.root);
    }
    deactivated = true;
    for (const o of servers) {
      const id = `@${name}:${o.domain}`;
      out.info(
        o.status === 'already'
          ? `${id}: already deactivated on the server.`
          : `${id}: deactivated on the server; every session of it has ended and it cannot log in again.`,
      );
    }
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
    ...(servers.length > 1 ? { deactivated_on: servers.map((o) => o.domain) } : {}),
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
          ...(servers.length > 1 ? { deactivated_on: servers.map((o) => o.domain) } : {}),
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

interface Outcome {
  domain: string;
  status: 'deactivated' | 'already' | 'failed';
  error?: unknown;
}

/** Log in as the user on one server and deactivate the account; an account already deactivated is done. */
async function deactivateOn(
  domain: string,
  client: MatrixClient,
  name: string,
  password: string,
): Promise<Outcome> {
  try {
    await client.login(name, password, 'matrix-oob user remove');
    await client.deactivateAccount(name, password);
    return { domain, status: 'deactivated' };
  } catch (error) {
    if (error instanceof MatrixApiError && error.errcode === 'M_USER_DEACTIVATED') {
      return { domain, status: 'already' };
    }
    return { domain, status: 'failed', error };
  } finally {
    await client.logout().catch(() => undefined);
  }
}

/** The user IDs of the fallback accounts the credentials file lists ("fallback_account: @x:d URL"). */
async function fallbackAccounts(credFile: string): Promise<string[]> {
  const accounts = parseCredentials((await readIfExists(credFile)) ?? '').fallback_accounts ?? [];
  return accounts.map((a) => a.split(' ')[0] ?? '');
}

function explain(
  failed: Outcome,
  all: readonly Outcome[],
  name: string,
  credFile: string,
  root: string,
): unknown {
  const err = failed.error;
  const done = all.filter((o) => o.status !== 'failed').map((o) => o.domain);
  const on = all.length > 1 ? ` on ${failed.domain}` : '';
  // With fallback servers: where the account is already gone, so a retry only finishes the rest.
  const details = all.length > 1 ? [`deactivated on: ${done.join(', ') || 'none'}`] : [];
  const admin = `deactivate it as an admin instead (docs/users.md, "A seized device"); nothing was changed locally`;
  if (err instanceof MatrixApiError && (err.status === 401 || err.status === 403)) {
    return new FailureError(`the server${on} refused ${name}'s password from ${credFile} (${err.errcode})`, {
      details,
      hint: `the password may have been changed by whoever holds the device: ${admin}.`,
    });
  }
  if (err instanceof MatrixUnreachableError) {
    return new FailureError(`cannot reach the homeserver at ${err.baseUrl}: ${err.message}`, {
      details,
      hint: `check it with "${nextCommand('verify', root)}", then run "${nextCommand('user remove', root, name)}" again; nothing was changed locally.`,
    });
  }
  return err;
}
