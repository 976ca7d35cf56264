import { randomBytes } from 'node:crypto';
import { systemClock } from '../adapters/clock.js';
import { journal } from '../case/journal.js';
import type { CasePaths } from '../case/paths.js';
import type { Config } from '../config/schema.js';
import type { ControlRoomRecord } from '../control-room/case.js';
import { InterruptedError } from '../errors.js';
import type { Redactor } from '../secrets/redact.js';
import type { Output } from '../ui/output.js';
import { caseUserIds } from './case.js';
import type { WatchClient } from './client.js';
import { type Alert, Detector } from './detect.js';
import { type LogSourceOptions, readJournal } from './log-source.js';
import { untrusted } from './sanitize.js';
import { type AdminApiProbe, pollState } from './state-source.js';
import {
  readCursor,
  readWatchState,
  type WatchState,
  withWatchStateLock,
  writeCursor,
  writeWatchState,
} from './store.js';
import { renderAlert, renderTable, type TableRow, tableRows } from './table.js';

/**
 * One `watch` run over a case: the state source (polled), the log source (followed), the
 * detector between them, and the outputs (table, alerts, journal, #control notices).
 */
export interface WatchSessionOptions {
  /** state.json as read before the run (readWatchState; refused before any login): none = baseline. */
  previous: WatchState | undefined;
  once: boolean;
  intervalMs: number;
  notify: boolean;
  /** Poll the state source (needs `client`). */
  state: boolean;
  /** Logged-in admin client (state source and --notify); undefined when neither is used. */
  client?: WatchClient;
  /** The case's #control room (its members are watched; --notify posts there; the command refuses --notify without it). */
  controlRoom?: ControlRoomRecord;
  /** `client`'s login: watch's own session, and when it logged in (this machine's clock). */
  ownDevice?: { user: string; device: string; from: string; to: string };
  /** The log source; undefined when it is off. */
  log?: Omit<LogSourceOptions, 'follow'>;
  out: Output;
  json: boolean;
  colour: boolean;
  /** Redraw the whole table after each poll (a terminal); else print alerts line by line. */
  redraw: boolean;
  signal?: AbortSignal;
  now?: () => Date;
  /** Redacts the journal lines (the admin's password and token). */
  redactor?: Redactor;
  /** Told of every alert as it is raised (bench). */
  onAlert?(a: Alert): void;
}

export interface WatchSessionResult {
  alerts: Alert[];
  rows: TableRow[];
  /** Rows still NEW (not approved). */
  pending: number;
  baseline: boolean;
  problems: string[];
}

export async function runWatchSession(
  loaded: { config: Config; paths: CasePaths },
  o: WatchSessionOptions,
): Promise<WatchSessionResult> {
  const { config, paths } = loaded;
  const now = o.now ?? (() => new Date());
  const detector = new Detector(o.previous, caseUserIds(config), now());
  if (o.ownDevice) detector.ownLogin(o.ownDevice);
  const baseline = detector.isBaseline;
  const raised: Alert[] = [];
  const problems: string[] = [];
  const controlRoom = o.controlRoom;

  // Every write of state.json goes through here: under its lock, approvals made meanwhile by
  // `watch --approve` in another terminal are adopted first (not overwritten), and an unchanged
  // state is not written again.
  let saved = '';
  const saveState = (): Promise<void> =>
    withWatchStateLock(paths, async () => {
      detector.adopt(await readWatchState(paths));
      const text = JSON.stringify(detector.state);
      if (text === saved) return;
      await writeWatchState(paths, detector.state);
      saved = text;
    });

  // Everything that touches the detector or the state file runs one at a time, in order.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn);
    queue = next.catch(() => undefined);
    return next;
  };

  let txn = 0;
  const txnBase = randomBytes(4).toString('hex');
  const handle = async (alerts: Alert[]): Promise<void> => {
    if (alerts.length === 0) return;
    await saveState();
    for (const a of alerts) {
      raised.push(a);
      o.onAlert?.(a);
      if (o.json && !o.once) o.out.data(JSON.stringify({ alert: a }));
      if (!o.redraw) o.out.info(renderAlert(a, o.colour));
      await journal(
        paths.journal,
        {
          command: 'watch',
          result: 'ok',
          event: 'alert',
          alert: a.kind,
          source: a.source,
          user: a.user,
          ...(a.device !== undefined ? { device: a.device } : {}),
          ...(a.address !== undefined ? { address: a.address } : {}),
          ...(a.user_agent !== undefined ? { user_agent: a.user_agent } : {}),
          seen_at: a.at,
          text: a.text,
        },
        o.redactor,
      );
      if (o.notify && o.client && controlRoom) {
        txn += 1;
        await o.client
          .sendText(
            controlRoom.room_id,
            `moob-watch-${txnBase}-${txn}`,
            `matrix-oob watch: ${a.kind}: ${a.text} (${a.source}, ${a.at}). See docs/watch.md for what to do.`,
          )
          .catch((err: unknown) => {
            const msg = `could not post the alert to #control: ${untrusted((err as Error).message, 200)}`;
            problems.push(msg);
            o.out.warn(msg);
          });
      }
    }
  };

  const controlMembers = async (): Promise<string[]> => {
    if (!o.client || !controlRoom) return [];
    try {
      const members = await o.client.members(controlRoom.room_id);
      return [...members].filter(([, m]) => m === 'join' || m === 'invite').map(([u]) => u);
    } catch {
      return [];
    }
  };

  const adminApi: AdminApiProbe = {};
  let reported: boolean | undefined;
  const pollOnce = async (): Promise<void> => {
    if (!o.client || !o.state) return;
    const client = o.client;
    const extra = await controlMembers();
    const { snapshot, problems: p } = await pollState(client, detector.accountsToPoll(extra), now, adminApi);
    if (adminApi.available !== reported) {
      reported = adminApi.available;
      o.out.info(
        adminApi.available
          ? "state source: Synapse's admin API answers: every account and each device's address are watched"
          : "state source: Synapse's admin API is not exposed (MDAD's default): devices and addresses are listed apart, accounts outside the case are seen only in #control or the log (docs/watch.md)",
      );
    }
    for (const line of p) if (!problems.includes(line)) problems.push(line);
    await serial(async () => {
      await handle(detector.observeSnapshot(snapshot));
      await saveState();
    });
  };

  const redraw = (): void => {
    if (!o.redraw) return;
    const lines = renderTable(tableRows(detector.rows(), detector.state.removed_users), o.colour);
    const recent = raised.slice(-8).map((a) => renderAlert(a, o.colour));
    o.out.info(`\u001b[H\u001b[2J${lines.join('\n')}${recent.length ? `\n\n${recent.join('\n')}` : ''}`);
  };

  // The state source takes (or extends) the baseline first, so the log's lines of known devices
  // are recognised as such.
  await pollOnce();
  await saveState();
  if (baseline && o.state) {
    o.out.info(`baseline taken: ${detector.rows().length} devices and addresses are known-good from now on`);
  }

  let lastCursorWrite = 0;
  let pendingCursor: string | undefined;
  const flushCursor = async (): Promise<void> => {
    if (pendingCursor) await writeCursor(paths, pendingCursor);
    pendingCursor = undefined;
  };
  const logCallbacks = {
    event: (ev: Parameters<Detector['observeLog']>[0]) => serial(() => handle(detector.observeLog(ev))),
    cursor: async (c: string) => {
      pendingCursor = c;
      if (Date.now() - lastCursorWrite > 500) {
        lastCursorWrite = Date.now();
        // The state (alert keys) of every handled line is on disk before the cursor passes it.
        await serial(async () => {
          await saveState();
          await flushCursor();
        });
      }
    },
  };

  const readLogOnce = async (follow: boolean, signal?: AbortSignal): Promise<void> => {
    if (!o.log) return;
    const cursor = await readCursor(paths);
    const r = await readJournal({ ...o.log, follow }, cursor, logCallbacks, signal);
    await serial(async () => {
      await saveState();
      await flushCursor();
    });
    if (r.exitCode !== 0 && !signal?.aborted) {
      const why = untrusted(r.stderr.trim().split('\n').slice(-2).join(' / '), 300);
      throw new LogSourceError(`log source: ssh/journalctl exited ${r.exitCode}${why ? `: ${why}` : ''}`);
    }
  };

  if (o.once) {
    if (o.log) {
      try {
        await readLogOnce(false);
      } catch (err) {
        if (!(err instanceof LogSourceError)) throw err;
        problems.push(err.message);
      }
    }
  } else {
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    o.signal?.addEventListener('abort', onAbort, { once: true });
    redraw();
    const logLoop = (async () => {
      while (o.log && !stop.signal.aborted) {
        try {
          await readLogOnce(true, stop.signal);
        } catch (err) {
          const msg = err instanceof Error ? err.message : String(err);
          o.out.warn(`${untrusted(msg, 300)}; retrying in 10 s`);
        }
        await sleep(10_000, stop.signal);
      }
    })();
    while (!stop.signal.aborted) {
      await sleep(o.intervalMs, stop.signal);
      if (stop.signal.aborted) break;
      try {
        await pollOnce();
      } catch (err) {
        if (err instanceof InterruptedError) break;
        o.out.warn(`state source: ${untrusted((err as Error).message, 300)}; retrying`);
      }
      redraw();
    }
    await logLoop;
    o.signal?.removeEventListener('abort', onAbort);
  }
  await queue;
  await saveState();
  const rows = tableRows(detector.rows(), detector.state.removed_users);
  return {
    alerts: raised,
    rows,
    pending: rows.filter((r) => r.state === 'NEW').length,
    baseline,
    problems,
  };
}

export class LogSourceError extends Error {}

/** Wait `ms`, or less when `signal` aborts (then the loops see it and stop). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return systemClock.sleep(ms, signal).catch(() => undefined);
}
