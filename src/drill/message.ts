import { randomBytes } from 'node:crypto';
import { controlAlias, DEVICE_NAME } from '../control-room/ensure.js';
import { InterruptedError } from '../errors.js';
import { MatrixApiError, type MatrixClient, MatrixUnreachableError } from '../matrix/client.js';

/**
 * The Matrix half of `matrix-oob drill` (docs/fallback.md): while one server is stopped, an
 * account on another server posts into #control (found through that server's own alias) and
 * reads it back there; once the stopped server is started again, its account polls the room
 * until the message shows up there too (it caught up).
 */

export interface DrillMessage {
  roomId: string;
  eventId: string;
  text: string;
  /** From the send to seeing it in the room on the sending server. */
  sentMs: number;
}

export interface DrillClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realDrillClock: DrillClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

/** A drill message: says what it is, carries no case detail. */
export function drillText(id: string, stopped: string): string {
  return `matrix-oob drill ${id}: testing that #control works while ${stopped} is down. No action needed.`;
}

export async function sendWhileDown(
  client: MatrixClient,
  fromDomain: string,
  admin: string,
  password: string,
  stopped: string,
  clock: DrillClock = realDrillClock,
): Promise<DrillMessage> {
  await client.login(admin, password, DEVICE_NAME);
  try {
    const alias = controlAlias(fromDomain);
    const roomId = await client.resolveAlias(alias);
    if (!roomId)
      throw new Error(`${alias} does not exist on ${fromDomain}: run "matrix-oob control-room" first`);
    const id = randomBytes(4).toString('hex');
    const text = drillText(id, stopped);
    const started = clock.now();
    const eventId = await client.sendText(roomId, `drill-${id}`, text);
    const seen = (await client.recentEvents(roomId, 20)).some((e) => e.event_id === eventId);
    if (!seen)
      throw new Error(`the drill message was accepted (${eventId}) but is not in ${alias} on ${fromDomain}`);
    return { roomId, eventId, text, sentMs: Math.round(clock.now() - started) };
  } finally {
    await client.logout().catch(() => {});
  }
}

/**
 * After the restart: log in on the server that was stopped (retrying while it comes up) and
 * poll the room until the drill message is there. Resolves with the wait, or throws on timeout.
 */
export async function waitForCatchUp(
  client: MatrixClient,
  admin: string,
  password: string,
  message: DrillMessage,
  timeoutMs: number,
  clock: DrillClock = realDrillClock,
  signal?: AbortSignal,
): Promise<number> {
  const started = clock.now();
  const deadline = started + timeoutMs;
  let lastProblem = 'not tried';
  while (clock.now() < deadline) {
    if (signal?.aborted) throw new InterruptedError();
    try {
      if (!client.loggedIn) await client.login(admin, password, DEVICE_NAME);
      const events = await client.recentEvents(message.roomId, 50);
      if (events.some((e) => e.event_id === message.eventId)) {
        await client.logout().catch(() => {});
        return Math.round(clock.now() - started);
      }
      lastProblem = 'the message is not there yet';
    } catch (err) {
      if (err instanceof InterruptedError) throw err;
      if (!(err instanceof MatrixUnreachableError || (err instanceof MatrixApiError && err.status >= 500))) {
        if (client.loggedIn) await client.logout().catch(() => {});
        throw err;
      }
      lastProblem = err.message;
    }
    await clock.sleep(1000);
  }
  if (client.loggedIn) await client.logout().catch(() => {});
  throw new Error(`not caught up after ${Math.round(timeoutMs / 1000)} s (${lastProblem})`);
}
