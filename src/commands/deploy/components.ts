import { readIfExists } from '../../adapters/files.js';
import type { DeployState } from '../../case/state.js';
import { parseVars } from '../../inventory/vars-file.js';

/**
 * Components switched off since the last successful setup. MDAD uninstalls a component only
 * under `setup-all`; `install-all` leaves a component that vars.yml turned off installed and
 * running. So when a `*_enabled` switch went from true to false, deploy runs setup-all once.
 */

/** state.json section written after each successful setup stage. */
export const DEPLOYED_SECTION = 'deployed';

export interface DeployedRecord {
  at: string;
  /** The setup stage's tags (install-all or setup-all, and the users tag). */
  tags: string[];
  /** Every boolean `*_enabled` of vars.yml at that run. */
  switches: Record<string, boolean>;
}

/** The boolean `*_enabled` switches of vars.yml (those matrix-oob writes and any the operator added). */
export async function readSwitches(varsFile: string): Promise<Record<string, boolean>> {
  const text = await readIfExists(varsFile);
  if (text === undefined) return {};
  let data: Record<string, unknown> | undefined;
  try {
    data = parseVars(text).data;
  } catch {
    return {}; // doctor reports the syntax error; the playbook run fails on it too
  }
  const switches: Record<string, boolean> = {};
  for (const [key, value] of Object.entries(data ?? {})) {
    if (key.endsWith('_enabled') && typeof value === 'boolean') switches[key] = value;
  }
  return switches;
}

export function lastDeployed(state: DeployState): DeployedRecord | undefined {
  const r = state[DEPLOYED_SECTION] as Partial<DeployedRecord> | undefined;
  return r && typeof r === 'object' && r.switches && typeof r.switches === 'object'
    ? (r as DeployedRecord)
    : undefined;
}

/** The switches that were true at the last successful setup and are false now, sorted. */
export function switchedOff(
  before: DeployedRecord | undefined,
  now: Readonly<Record<string, boolean>>,
): string[] {
  if (!before) return [];
  return Object.keys(now)
    .filter((k) => before.switches[k] === true && now[k] === false)
    .sort();
}
