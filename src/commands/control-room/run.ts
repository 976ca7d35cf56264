import { interruptOnSignals } from '../../adapters/signals.js';
import { loadCase } from '../../config/load.js';
import { fallbackProblems, setUpControlRoom } from '../../control-room/case.js';
import { fallbackServerUrls } from '../../control-room/server-urls.js';
import { FailureError } from '../../errors.js';
import { nextCommand } from '../../ui/next.js';
import type { Output } from '../../ui/output.js';
import type { GlobalOptions } from '../context.js';
import { requestTimeoutMs } from '../options.js';
import type { ControlRoomCommandOptions } from './command.js';

export interface ControlRoomRequest {
  opts: ControlRoomCommandOptions;
  globals: GlobalOptions;
  out: Output;
}

/** `matrix-oob control-room`: exit 0 ready, 1 homeserver failure or failed invites, 2 bad usage. */
export async function runControlRoom({ opts, globals, out }: ControlRoomRequest): Promise<void> {
  const timeoutMs = requestTimeoutMs(opts.timeout);
  const loaded = await loadCase(globals.case);
  for (const w of loaded.warnings) out.warn(w);
  const homeserverUrls = fallbackServerUrls(opts.serverUrl ?? [], loaded.config);

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
    homeserverUrls,
    ...(opts.homeserverUrlFrom !== undefined ? { homeserverUrlFrom: opts.homeserverUrlFrom } : {}),
    ...(opts.admin !== undefined ? { admin: opts.admin } : {}),
    ...(opts.passwordFile !== undefined ? { passwordFile: opts.passwordFile } : {}),
    log: (line) => out.info(line),
    warn: (line) => out.warn(line),
  }).finally(() => interrupt.dispose());

  if (globals.json && result.failed.length === 0) out.data(JSON.stringify(result, null, 2));
  const invited = result.invited.length;
  const already = result.already_members.length;
  out.info(
    `${result.alias} is ready (${result.room_id}): ${result.created ? 'created' : 'reused'}, ${invited} invited now, ${already} already in or invited.`,
  );
  if (result.fallback) {
    const f = result.fallback;
    out.info(
      `fallback servers: aliases ${f.aliases.map((a) => `${a.alias} (${a.status})`).join(', ')}; ${f.joined.length} accounts joined now, ${f.already_joined.length} already in; operators at 100: ${f.operators.join(', ')}`,
    );
  }
  const problems = fallbackProblems(result);
  if (problems.length > 0 && result.failed.length === 0) {
    throw new FailureError(`#control is not complete on every server (${problems.length} problems):`, {
      details: problems,
      hint: 'create missing accounts with "matrix-oob user add NAME" (it registers them on every server), check that every server answers ("matrix-oob verify"), then run "matrix-oob control-room" again',
    });
  }
  if (result.failed.length > 0) {
    throw new FailureError(
      `${result.failed.length} of ${result.failed.length + invited + already} users could not be invited to ${result.alias}:`,
      {
        details: result.failed.map((f) => `${f.user_id}: ${f.reason}`),
        hint: 'create missing users with "matrix-oob user add NAME", then run "matrix-oob control-room" again',
        next: nextCommand('control-room', loaded.paths.root),
        data: { ...result },
      },
    );
  }
}
