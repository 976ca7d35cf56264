import { interruptOnSignals } from '../../adapters/signals.js';
import { journal } from '../../case/journal.js';
import { loadCase } from '../../config/load.js';
import { homeserverUrl, pickAdmin, readControlRoomRecord } from '../../control-room/case.js';
import { readPassword } from '../../control-room/credentials.js';
import { explain } from '../../control-room/ensure.js';
import { readInventoryState } from '../../doctor/inventory-state.js';
import { ExitCode, ExitError, FailureError, InterruptedError, UserError } from '../../errors.js';
import { MatrixApiError, MatrixUnreachableError } from '../../matrix/client.js';
import { Redactor } from '../../secrets/redact.js';
import { sshTarget } from '../../ssh/target.js';
import { colourEnabled } from '../../ui/colour.js';
import type { Output } from '../../ui/output.js';
import { approveItems, requirePinnedKey } from '../../watch/case.js';
import { WatchClient } from '../../watch/client.js';
import { untrusted } from '../../watch/sanitize.js';
import { runWatchSession } from '../../watch/session.js';
import { readWatchState } from '../../watch/store.js';
import { renderAlert, renderTable } from '../../watch/table.js';
import type { GlobalOptions } from '../context.js';
import { requestTimeoutMs, secondsFlag } from '../options.js';
import type { WatchCommandOptions } from './command.js';

export interface WatchRequest {
  opts: WatchCommandOptions;
  globals: GlobalOptions;
  out: Output;
  env?: NodeJS.ProcessEnv;
}

/** `matrix-oob watch` (docs/watch.md). */
export async function runWatch({ opts, globals, out, env = process.env }: WatchRequest): Promise<void> {
  const intervalMs = secondsFlag('--interval', opts.interval, { min: 1, max: 600, example: 5 });
  const timeoutMs = requestTimeoutMs(opts.timeout);
  const loaded = await loadCase(globals.case);
  for (const w of loaded.warnings) out.warn(w);
  const { config, paths } = loaded;

  if (opts.approve.length > 0) {
    const changed = await approveItems(loaded, opts.approve);
    for (const c of changed) {
      out.info(`approved ${c.kind} ${untrusted(c.id, 60)} of ${untrusted(c.user)} (was ${c.was})`);
    }
    if (globals.json) out.data(JSON.stringify({ approved: changed }, null, 2));
    return;
  }

  const state = opts.source !== 'log';
  let log = opts.source !== 'state';
  if (config.homeserver !== 'synapse') {
    if (opts.source === 'log') {
      throw new UserError(`--source log reads Synapse's log lines; this case runs ${config.homeserver}`, {
        hint: 'use --source state (whois and device lists through the client API), see docs/watch.md',
      });
    }
    if (log)
      out.warn(
        `homeserver: ${config.homeserver}: only the state source runs (the log source reads Synapse's lines)`,
      );
    log = false;
  }

  const inv = log ? await readInventoryState(paths) : undefined;
  const target = log ? sshTarget(config, inv?.host, env) : undefined;
  if (target) await requirePinnedKey(paths, target);

  // What the case holds, read (and refused when damaged) before the admin logs in: the baseline,
  // and #control (its members are watched too; --notify posts there).
  const previous = await readWatchState(paths);
  const controlRoom = state || opts.notify ? await readControlRoomRecord(paths) : undefined;
  if (opts.notify && !controlRoom) {
    // Refused before the admin's password is sent anywhere.
    throw new UserError('--notify: no #control room recorded in this case', {
      hint: 'create it first with "matrix-oob control-room", or drop --notify',
    });
  }

  const interrupt = interruptOnSignals();
  const redactor = new Redactor();
  let client: WatchClient | undefined;
  let adminId = '';
  let ownDevice: { user: string; device: string; from: string; to: string } | undefined;
  const started = performance.now();
  try {
    if (state || opts.notify) {
      const baseUrl = homeserverUrl(config.domain, opts.homeserverUrl, {
        address: config.server.address,
        ...(opts.homeserverUrlFrom ? { from: opts.homeserverUrlFrom } : {}),
      });
      const admin = pickAdmin(config, opts.admin);
      adminId = `@${admin}:${config.domain}`;
      const password = await readPassword(paths, admin, opts.passwordFile);
      redactor.add(password);
      client = new WatchClient({ baseUrl, redactor, timeoutMs, signal: interrupt.signal });
      const from = new Date().toISOString();
      const login = await client.login(admin, password, 'matrix-oob watch').catch((err: unknown) => {
        throw explain(err, baseUrl, adminId, 'login');
      });
      const to = new Date().toISOString();
      if (login.deviceId) ownDevice = { user: login.userId, device: login.deviceId, from, to };
      out.info(`state source: logged in to ${baseUrl} as ${adminId}`);
    }
    const colour = colourEnabled();
    const result = await runWatchSession(loaded, {
      previous,
      once: opts.once,
      intervalMs,
      notify: opts.notify,
      state,
      ...(client ? { client } : {}),
      ...(controlRoom ? { controlRoom } : {}),
      ...(ownDevice ? { ownDevice } : {}),
      ...(target
        ? {
            log: {
              target,
              knownHosts: paths.knownHosts,
              become: config.server.become,
              ...(opts.journalDir ? { journalDir: opts.journalDir } : {}),
            },
          }
        : {}),
      out,
      json: globals.json,
      colour,
      redraw: !opts.once && !globals.json && process.stderr.isTTY === true,
      signal: interrupt.signal,
      redactor,
    }).catch((err: unknown) => {
      throw explainWatch(err, client?.baseUrl ?? '', adminId);
    });
    for (const p of result.problems) out.warn(p);
    if (opts.once) {
      for (const line of renderTable(result.rows, colour)) out.info(line);
      for (const a of result.alerts) out.info(renderAlert(a, colour));
      if (globals.json) {
        out.data(
          JSON.stringify(
            {
              baseline_taken: result.baseline,
              sources: { state: state ? 'on' : 'off', log: log ? 'on' : 'off' },
              alerts: result.alerts,
              rows: result.rows,
              unapproved: result.pending,
              problems: result.problems,
            },
            null,
            2,
          ),
        );
      }
    }
    await journal(
      paths.journal,
      {
        command: 'watch',
        result: interrupt.signal.aborted ? 'interrupted' : 'ok',
        duration_ms: Math.round(performance.now() - started),
        once: opts.once,
        alerts: result.alerts.length,
        unapproved: result.pending,
      },
      redactor,
    );
    if (interrupt.signal.aborted) throw new InterruptedError();
    if (opts.once && result.problems.some((p) => p.startsWith('log source'))) {
      throw new FailureError('the log source failed (see the warning above)', {
        hint: 'check SSH to the server ("matrix-oob doctor"), or run with --source state',
      });
    }
    if (opts.once && result.pending > 0) {
      out.info(
        `${result.pending} unapproved: approve a known device with "matrix-oob watch --approve ID"; see docs/watch.md for each alert`,
      );
      throw new ExitError(ExitCode.FAILURE);
    }
  } finally {
    interrupt.dispose();
    if (client?.loggedIn)
      await client
        .logout()
        .catch(() => out.warn('could not log the watch session out: sign out "matrix-oob watch" in Element'));
  }
}

function explainWatch(err: unknown, baseUrl: string, adminId: string): unknown {
  if (err instanceof MatrixApiError && err.status === 403 && err.call.includes('/admin/whois')) {
    return new FailureError(`the homeserver refused whois to ${adminId}: it is not a server admin`, {
      hint: 'give --admin the name of a user with admin: true (created by "matrix-oob user add"), or run with --source log',
    });
  }
  return err instanceof MatrixApiError || err instanceof MatrixUnreachableError
    ? explain(err, baseUrl, adminId, 'room')
    : err;
}
