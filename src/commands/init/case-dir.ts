import { basename, dirname, resolve } from 'node:path';
import { CONFIG_FILE } from '../../case/paths.js';
import type { Config } from '../../config/schema.js';

/**
 * Where init writes: the [case-dir] argument; else, when replaying a case's own
 * matrix-oob.yml, that case; else config case_dir; else ./matrix-oob-<domain>.
 */
export function chooseCaseDir(
  arg: string | undefined,
  configFile: string | undefined,
  config: Config,
): string {
  if (arg) return resolve(arg);
  if (configFile && basename(configFile) === CONFIG_FILE) return dirname(resolve(configFile));
  if (config.case_dir) return resolve(config.case_dir);
  return resolve(`matrix-oob-${config.domain}`);
}
