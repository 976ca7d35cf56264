import type { Capture } from '../adapters/process.js';
import type { LoadedCase } from '../config/load.js';
import type { Redactor } from '../secrets/redact.js';
import type { InventoryState } from './inventory-state.js';

/** Everything the checks read; built once by the doctor command. */
export interface DoctorContext {
  caseDir: string;
  /** The loaded case, or undefined when it could not be loaded (see caseProblem). */
  loaded: LoadedCase | undefined;
  /** The case's inventory, read once (undefined without a case). */
  inventory: Promise<InventoryState | undefined>;
  /** The case's one redactor (src/ansible/case.ts caseRedactor), built once for every check. */
  redactor: Promise<Redactor>;
  capture: Capture;
  env: NodeJS.ProcessEnv;
  minAnsibleCore: string;
  minCommunityDocker: string;
  sshTimeoutSec: number;
}
