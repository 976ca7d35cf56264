import { interruptOnSignals } from '../../adapters/signals.js';
import type { GlobalOptions } from '../../cli.js';
import { loadCase } from '../../config/load.js';
import { setUpControlRoom } from '../../control-room/case.js';
import { FailureError, UserError } from '../../errors.js';
import type { Output } from '../../ui/output.js';
import type { ControlRoomCommandOptions } from './command.js';

export interface ControlRoomRequest {
  opts: ControlRoomCommandOptions;
  globals: GlobalOptions;
  out: Output;
}

/** `matrix-oob control-room`: exit 0 ready, 1 homeserver failure or failed invites, 2 bad usage. */
export async function runControlRoom({ opts, globals, out }: ControlRoomRequest): Promise<void> {
  const timeoutMs = parseTimeout(opts.timeout);
  const loaded = await loadCase(globals.case);
  for (const w of loaded.warnings) out.warn(w);

  // Ctrl-C / SIGTERM: finish the current call, log out (the token must not outlive us), exit 130.
  // While installed, further signals do not kill us half-way through the logout.
  const interrupt = interruptOnSignals();
  interrupt.signal.addEventListener('abort', () => out.warn('interrupted: logging out before exiting'), {
    once: true,
  });
  const result = await setUpControlRoom(loaded, {
    timeoutMs,
    signal: interrupt.signal,
    ...(opts.homeserverUrl !== undefined ? { homeserverUrl: opts.homeserverUrl } : {}),
    ...(opts.homeserverUrlFrom !== undefined ? { homeserverUrlFrom: opts.homeserverUrlFrom } : {}),
    ...(opts.admin !== undefined ? { admin: opts.admin } : {}),
    ...(opts.passwordFile !== undefined ? { passwordFile: opts.passwordFile } : {}),
    log: (line) => out.info(line),
    warn: (line) => out.warn(line),
  }).finally(() => interrupt.dispose());

  if (globals.json) out.data(JSON.stringify(result, null, 2));
  const invited = result.invited.length;
  const already = result.already_members.length;
  out.info(
    `${result.alias} is ready (${result.room_id}): ${result.created ? 'created' : 'reused'}, ${invited} invited now, ${already} already in or invited.`,
  );
  if (result.failed.length > 0) {
    throw new FailureError(
      `${result.failed.length} of ${result.failed.length + invited + already} users could not be invited to ${result.alias}:`,
      {
        details: result.failed.map((f) => `${f.user_id}: ${f.reason}`),
        hint: 'create missing users with "matrix-oob user add NAME", then run "matrix-oob control-room" again',
      },
    );
  }
}

function parseTimeout(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 600) {
    throw new UserError(`--timeout ${JSON.stringify(value)} is not a number of seconds`, {
      hint: 'give a number between 0.1 and 600, e.g. --timeout 15',
    });
  }
  return Math.round(seconds * 1000);
}
