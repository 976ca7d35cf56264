import type { Config } from './schema.js';

/** An account matrix-oob registers: a configured user, or the recorder (docs/record.md). */
export interface Account {
  name: string;
  admin: boolean;
  recorder: boolean;
}

/**
 * Every account of the case, in registration order: the configured users, then the recorder
 * (unless recorder.enabled is false). `user add --all`, `up` and `control-room` use this list, so
 * the recorder is registered with everyone and invited to #control before anyone talks.
 */
export function caseAccounts(config: Pick<Config, 'users'> & Partial<Pick<Config, 'recorder'>>): Account[] {
  return [
    ...config.users.map((u) => ({ name: u.name, admin: u.admin, recorder: false })),
    ...(config.recorder?.enabled ? [{ name: config.recorder.name, admin: false, recorder: true }] : []),
  ];
}
