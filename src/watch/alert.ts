import type { AccountInfo, Connection, DeviceInfo } from './client.js';
import { untrusted } from './sanitize.js';

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

const LEAD: Record<AlertKind, string> = {
  'new-device': 'new device',
  'new-address': 'new address',
  'unknown-account': 'account not in the case logged in:',
  'deactivated-back': 'removed account is active again:',
  'failed-password': '',
  'unknown-user': '',
};

/** The one-line text of an alert about a device or address first seen (values sanitised here). */
export function itemAlertText(
  alertKind: AlertKind,
  kind: 'device' | 'address',
  user: string,
  id: string,
  address?: string,
  userAgent?: string,
): string {
  const from = address ? ` from ${untrusted(address, 60)}` : '';
  const what = kind === 'device' ? `device ${untrusted(id, 60)}${from}` : `address ${untrusted(id, 60)}`;
  const ua = userAgent ? ` (${untrusted(userAgent, 80)})` : '';
  return alertKind === 'new-device' || alertKind === 'new-address'
    ? `${LEAD[alertKind]} ${untrusted(id, 60)} for ${untrusted(user)}${kind === 'device' ? from : ''}${ua}`
    : `${LEAD[alertKind]} ${untrusted(user)}, ${what}${ua}`;
}
