import { statSync } from 'node:fs';
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

/** Read a config file's raw data (YAML parsed, not validated). */
export async function readConfigData(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(resolve(file), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(`cannot read config file ${file}: ${code === 'ENOENT' ? 'no such file' : code}`, {
      hint:
        code === 'ENOENT'
          ? 'check the path, or run "matrix-oob init" to create a case with the wizard.'
          : undefined,
    });
  }
  return parseConfigText(text, file);
}

/** Relative paths inside a config (playbook.path, case_dir) are relative to the file's folder. */
export function resolveConfigPaths(config: Config, baseDir: string): Config {
  const rel = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  return {
    ...config,
    playbook: { ...config.playbook, ...(config.playbook.path ? { path: rel(config.playbook.path) } : {}) },
    ...(config.case_dir ? { case_dir: rel(config.case_dir) } : {}),
  };
}

/** Read and validate a config file. */
export async function loadConfigFile(file: string): Promise<LoadedConfig> {
  const abs = resolve(file);
  const { config, warnings } = validateConfig(await readConfigData(abs), file);
  return { config: resolveConfigPaths(config, dirname(abs)), warnings, file: abs };
}

export interface LoadedCase extends LoadedConfig {
  paths: CasePaths;
}

/** The part of `dir` that exists as a file (for ENOTDIR). */
function notFolder(dir: string): string {
  let p = resolve(dir);
  for (;;) {
    try {
      if (!statSync(p).isDirectory()) return p;
      return resolve(dir);
    } catch {
      const up = dirname(p);
      if (up === p) return resolve(dir);
      p = up;
    }
  }
}

/** Load the case in `dir` (its matrix-oob.yml); the case folder is the file's folder. */
export async function loadCase(dir: string): Promise<LoadedCase> {
  const file = resolve(dir, CONFIG_FILE);
  try {
    const loaded = await loadConfigFile(file);
    const paths = casePaths(dir, loaded.config.domain);
    // Every command that opens the case removes the temporary secret files of dead processes.
    const { sweepDeadTemp } = await import('../case/leftovers.js');
    await sweepDeadTemp(paths.root);
    return { ...loaded, paths };
  } catch (err) {
    if (err instanceof UserError && err.message.endsWith(': ENOTDIR')) {
      throw new UserError(`--case ${dir}: ${notFolder(dir)} is a file, not a case folder`, {
        hint: 'pass the folder that holds matrix-oob.yml (e.g. --case ./matrix-oob-example.com).',
      });
    }
    if (err instanceof UserError && err.message.includes('no such file')) {
      throw new UserError(`no case in ${resolve(dir)}: ${CONFIG_FILE} is missing`, {
        hint: 'pass the case folder with --case DIR, or create one with "matrix-oob init".',
      });
    }
    throw err;
  }
}
