import type { AccountInfo, Connection, DeviceInfo } from './client.js';

/** What the detector takes in (a poll's snapshot) and gives out (alerts). */

export type AlertKind =
  | 'new-device'
  | 'new-address'
  | 'unknown-account'
  | 'deactivated-back'
  | 'failed-password'
  | 'unknown-user';

export interface Alert {
  kind: AlertKind;
  /** Unique per alert; remembered so that a restart does not raise it again. */
  key: string;
  at: string;
  source: 'state' | 'log';
  /** All values below are sanitised (untrusted text made printable and single-line). */
  user: string;
  device?: string;
  address?: string;
  user_agent?: string;
  /** One line, for the table, the journal and #control. */
  text: string;
}

/** What the state source saw in one poll. */
export interface Snapshot {
  at: string;
  accounts: Map<string, { connections: Connection[]; devices: DeviceInfo[] }>;
  /** Every account of the server, when Synapse's admin API told us. */
  allAccounts?: AccountInfo[];
}
