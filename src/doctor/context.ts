import { join } from 'node:path';
import type { Capture } from '../adapters/process.js';
import type { LoadedCase } from '../config/load.js';
import { DEFAULT_CHECKOUT_DIR } from '../playbook/pin.js';
import type { InventoryState } from './inventory-state.js';

/** Everything the checks read; built once by the doctor command. */
export interface DoctorContext {
  caseDir: string;
  /** The loaded case, or undefined when it could not be loaded (see caseProblem). */
  loaded: LoadedCase | undefined;
  /** The case's inventory, read once (undefined without a case). */
  inventory: Promise<InventoryState | undefined>;
  capture: Capture;
  env: NodeJS.ProcessEnv;
  minAnsibleCore: string;
  minCommunityDocker: string;
  sshTimeoutSec: number;
}

/** The checkout a case uses: playbook.path, or <case>/playbook. */
export function checkoutPath(loaded: LoadedCase): string {
  return loaded.config.playbook.path ?? join(loaded.paths.root, DEFAULT_CHECKOUT_DIR);
}
