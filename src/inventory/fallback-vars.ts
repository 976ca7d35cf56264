import { dirname } from 'node:path';
import { readIfExists } from '../adapters/files.js';
import { type CasePaths, serverVarsPath } from '../case/paths.js';
import type { PlannedFile } from '../case/plan.js';
import type { Config } from '../config/schema.js';
import { fallbackServers } from '../config/servers.js';
import { secretValuesOf } from '../secrets/keys.js';
import { existingValue, keepOrGenerateSecrets, mergeVars, parseExistingVars } from './merge.js';
import { renderVars } from './render.js';
import type { SecretKey } from './secrets.js';

/** What `init` writes for the fallback servers: one vars.yml each, with its own secrets. */
export interface FallbackVarsPlan {
  dirs: string[];
  files: PlannedFile[];
  /** Every secret value (generated and operator-added), for masking and redaction. */
  secrets: string[];
  /** Per host: which secrets were generated now and which were kept. */
  hosts: { host: string; created: SecretKey[]; kept: SecretKey[] }[];
}

/**
 * Plan host_vars/matrix.<fallback>/vars.yml for every fallback server: secrets generated once
 * per server (never shared with another server, never regenerated), the migration version kept
 * when present, else the main server's.
 */
export async function planFallbackVars(
  config: Config,
  paths: Pick<CasePaths, 'inventoryDir'>,
  migrationVersion: string,
): Promise<FallbackVarsPlan> {
  const plan: FallbackVarsPlan = { dirs: [], files: [], secrets: [], hosts: [] };
  for (const target of fallbackServers(config)) {
    const path = serverVarsPath(paths, target.domain);
    const existingText = await readIfExists(path);
    const existing = existingText === undefined ? undefined : parseExistingVars(existingText, path);
    const { secrets, created, kept } = keepOrGenerateSecrets(existing);
    const version =
      (existing && existingValue(existing, 'matrix_playbook_migration_validated_version')) ??
      migrationVersion;
    const rendered = await renderVars(config, { secrets, migrationVersion: version }, target);
    const content = existingText === undefined ? rendered : mergeVars(existingText, path, rendered);
    plan.dirs.push(dirname(path));
    plan.files.push({
      path,
      content,
      secret: true,
      change: existingText === undefined ? 'created' : existingText === content ? 'unchanged' : 'updated',
    });
    plan.secrets.push(...Object.values(secrets), ...secretValuesOf(existing?.toJS()));
    plan.hosts.push({ host: target.hostName, created, kept });
  }
  return plan;
}
