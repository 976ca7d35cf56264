/**
 * Watch's own logins (the admin's session of each run), as remembered in state.json
 * (`own_devices`). Matrix lets a client choose its device ID at login, so a device ID alone
 * proves nothing: someone holding the admin's password who saw a watch's device ID could log in
 * under it. So each own login is skipped exactly once in the log, and only when its line falls
 * in that run's login window; any other login line with the same ID (a reuse, during the run or
 * after it) is an alert like any new device. In Synapse's device list, only the device of the
 * running watch is skipped: each run logs out at its end, so an earlier run's device listed
 * again is not watch.
 */
export interface OwnLogin {
  user: string;
  device: string;
  /** This machine's clock just before the login request, and just after its answer (ISO). */
  from: string;
  to: string;
  /** Its log line was read (and skipped): a later line with this device ID is someone else. */
  logged: boolean;
}

/** Clocks of this machine and of the server (journald's times) may differ this much. */
export const OWN_LOGIN_SKEW_MS = 120_000;
const MAX_OWN_LOGINS = 500;

const same = (a: OwnLogin, b: OwnLogin): boolean =>
  a.user === b.user && a.device === b.device && a.from === b.from;

/** `mine` with the logins another process recorded (a line is logged if either read it). */
export function mergeOwnLogins(mine: readonly OwnLogin[], other: readonly OwnLogin[]): OwnLogin[] {
  const out = mine.map((l) => ({ ...l }));
  for (const o of other) {
    const hit = out.find((l) => same(l, o));
    if (hit) hit.logged ||= o.logged;
    else out.push({ ...o });
  }
  out.sort((a, b) => a.from.localeCompare(b.from));
  return out.slice(-MAX_OWN_LOGINS);
}

/**
 * The own login that a successful-login log line of `user` on `device` at `at` (journald's time)
 * is, marked read; undefined when the line is not one (then it is judged like any login).
 */
export function claimOwnLogin(
  logins: readonly OwnLogin[],
  user: string,
  device: string,
  at: string,
): OwnLogin | undefined {
  const t = Date.parse(at);
  const hit = logins.find(
    (l) =>
      !l.logged &&
      l.user === user &&
      l.device === device &&
      t >= Date.parse(l.from) - OWN_LOGIN_SKEW_MS &&
      t <= Date.parse(l.to) + OWN_LOGIN_SKEW_MS,
  );
  if (hit) hit.logged = true;
  return hit;
}

/** Whether `value` (from state.json) is a list of own logins. */
export function isOwnLoginList(value: unknown): value is OwnLogin[] {
  const time = (v: unknown) => typeof v === 'string' && Number.isFinite(Date.parse(v));
  return (
    Array.isArray(value) &&
    value.every(
      (l) =>
        typeof l === 'object' &&
        l !== null &&
        typeof l.user === 'string' &&
        typeof l.device === 'string' &&
        time(l.from) &&
        time(l.to) &&
        typeof l.logged === 'boolean',
    )
  );
}
