import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { readIfExists } from '../adapters/files.js';
import type { CasePaths } from '../case/paths.js';
import { type InventoryHost, type ParsedInventory, parseInventoryIni } from '../inventory/parse-hosts.js';
import { parseVars, VarsSyntaxError } from '../inventory/vars-file.js';

/** MDAD's group (underscore); the dash spelling was renamed in 2019 and is silently not targeted. */
export const SERVER_GROUP = 'matrix_servers';
export const OLD_SERVER_GROUP = 'matrix-servers';

/** What the doctor reads from the case's inventory once, shared by several checks. */
export interface InventoryState {
  hostsFile: string;
  hostVarsDir: string;
  parsed?: ParsedInventory;
  /** The host Ansible targets (first of [matrix_servers]), or the one in the old dash group. */
  host?: InventoryHost;
  /** Folders and files in inventory/host_vars/. */
  hostVarsEntries: string[];
  /** The vars file Ansible loads for `host` (host_vars/<host>/vars.yml), when it exists. */
  varsFile?: string;
  /** Permission bits of varsFile (it holds secrets: 0600 expected). */
  varsMode?: number;
  vars?: Record<string, unknown>;
  /** A safe-to-print problem reading vars.yml (line/column, never content). */
  varsProblem?: string;
}

export async function readInventoryState(paths: CasePaths): Promise<InventoryState> {
  const hostsFile = paths.hosts;
  const hostVarsDir = join(paths.inventoryDir, 'host_vars');
  const state: InventoryState = { hostsFile, hostVarsDir, hostVarsEntries: [] };
  const text = await readIfExists(hostsFile);
  try {
    state.hostVarsEntries = (await readdir(hostVarsDir)).filter((n) => !n.startsWith('.')).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (text === undefined) return state;
  state.parsed = parseInventoryIni(text);
  const group =
    state.parsed.groups.find((g) => g.name === SERVER_GROUP && g.hosts.length > 0) ??
    state.parsed.groups.find((g) => g.name === OLD_SERVER_GROUP && g.hosts.length > 0);
  const host = group?.hosts[0] ?? state.parsed.ungrouped[0];
  if (host) state.host = host;
  if (!host || !state.hostVarsEntries.includes(host.name)) return state;
  const varsFile = join(hostVarsDir, host.name, 'vars.yml');
  const varsText = await readIfExists(varsFile);
  if (varsText === undefined) return state;
  state.varsFile = varsFile;
  state.varsMode = (await stat(varsFile)).mode & 0o777;
  try {
    const { data } = parseVars(varsText);
    if (data === undefined) state.varsProblem = 'is not a mapping of variables';
    else state.vars = data;
  } catch (err) {
    if (err instanceof VarsSyntaxError) state.varsProblem = err.message;
    else throw err;
  }
  return state;
}
