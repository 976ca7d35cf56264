import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { type CasePaths, CONFIG_FILE, casePaths } from '../case/paths.js';
import { UserError } from '../errors.js';
import type { Config } from './schema.js';
import { parseConfigText, validateConfig } from './validate.js';

export interface LoadedConfig {
  config: Config;
  warnings: string[];
  /** The file it came from (absolute). */
  file: string;
}

/** Read and validate a config file. Relative paths inside it are resolved against its folder. */
export async function loadConfigFile(file: string): Promise<LoadedConfig> {
  const abs = resolve(file);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(`cannot read config file ${file}: ${code === 'ENOENT' ? 'no such file' : code}`, {
      hint:
        code === 'ENOENT'
          ? 'check the path, or run "matrix-oob init" to create a case with the wizard.'
          : undefined,
    });
  }
  const { config, warnings } = validateConfig(parseConfigText(text, file), file);
  const base = dirname(abs);
  const rel = (p: string | undefined) => (p === undefined || isAbsolute(p) ? p : resolve(base, p));
  const resolved: Config = {
    ...config,
    playbook: { ...config.playbook, ...(config.playbook.path ? { path: rel(config.playbook.path) } : {}) },
    ...(config.case_dir ? { case_dir: rel(config.case_dir) } : {}),
  };
  return { config: resolved, warnings, file: abs };
}

export interface LoadedCase extends LoadedConfig {
  paths: CasePaths;
}

/** Load the case in `dir` (its matrix-oob.yml); the case folder is the file's folder. */
export async function loadCase(dir: string): Promise<LoadedCase> {
  const file = resolve(dir, CONFIG_FILE);
  try {
    const loaded = await loadConfigFile(file);
    return { ...loaded, paths: casePaths(dir, loaded.config.domain) };
  } catch (err) {
    if (err instanceof UserError && err.message.includes('no such file')) {
      throw new UserError(`no case in ${resolve(dir)}: ${CONFIG_FILE} is missing`, {
        hint: 'pass the case folder with --case DIR, or create one with "matrix-oob init".',
      });
    }
    throw err;
  }
}
