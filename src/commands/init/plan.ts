import { join } from 'node:path';
import { exists, readIfExists } from '../../adapters/files.js';
import type { CasePaths } from '../../case/paths.js';
import type { PlannedFile, WritePlan } from '../../case/plan.js';
import { callServices } from '../../config/calls.js';
import type { Config } from '../../config/schema.js';
import { configToYaml } from '../../config/serialize.js';
import { planFallbackVars } from '../../inventory/fallback-vars.js';
import { existingJitsiAccounts, jitsiAccountsFor } from '../../inventory/jitsi-accounts.js';
import { existingValue, keepOrGenerateSecrets, mergeVars, parseExistingVars } from '../../inventory/merge.js';
import { renderHosts, renderVars } from '../../inventory/render.js';
import type { SecretKey } from '../../inventory/secrets.js';
import {
  MIGRATION_DEFAULTS,
  PINNED_MIGRATION_VERSION,
  readExpectedMigration,
} from '../../playbook/migration.js';
import { checkoutPath } from '../../playbook/pin.js';
import { secretValuesOf } from '../../secrets/keys.js';

export interface InitPlan extends WritePlan {
  /** The secret values (for masking in --dry-run and redaction). */
  secrets: string[];
  created: SecretKey[];
  kept: SecretKey[];
  migrationVersion: string;
  migrationSource: 'existing inventory' | 'playbook checkout' | 'pinned default';
  /** The fallback servers' secrets (docs/fallback.md), per inventory host. */
  fallbackSecrets?: { host: string; created: SecretKey[]; kept: SecretKey[] }[];
}

async function file(path: string, content: string, secret: boolean): Promise<PlannedFile> {
  const before = await readIfExists(path);
  return {
    path,
    content,
    secret,
    change: before === undefined ? 'created' : before === content ? 'unchanged' : 'updated',
  };
}

/** Compute everything init will write, without writing anything. */
export async function planInit(config: Config, paths: CasePaths, keepConfigFile: boolean): Promise<InitPlan> {
  const existingText = await readIfExists(paths.vars);
  const existing = existingText === undefined ? undefined : parseExistingVars(existingText, paths.vars);

  const { secrets, created, kept } = keepOrGenerateSecrets(existing);

  const previous = existing
    ? existingValue(existing, 'matrix_playbook_migration_validated_version')
    : undefined;
  let migrationVersion = previous;
  let migrationSource: InitPlan['migrationSource'] = 'existing inventory';
  // The configured checkout, or one already fetched into the case's default place.
  const checkout = checkoutPath({ config, paths });
  if (!migrationVersion && (config.playbook.path || (await exists(join(checkout, MIGRATION_DEFAULTS))))) {
    migrationVersion = (await readExpectedMigration(checkout)).expectedVersion;
    migrationSource = 'playbook checkout';
  }
  if (!migrationVersion) {
    migrationVersion = PINNED_MIGRATION_VERSION;
    migrationSource = 'pinned default';
  }

  const jitsi = callServices(config).jitsiAuth
    ? jitsiAccountsFor(
        config.users.map((u) => u.name),
        existingJitsiAccounts(existing),
      ).accounts
    : [];
  const rendered = await renderVars(config, { secrets, migrationVersion, jitsiAccounts: jitsi });
  const vars = existingText === undefined ? rendered : mergeVars(existingText, paths.vars, rendered);

  const files: PlannedFile[] = [];
  if (!keepConfigFile) files.push(await file(paths.config, configToYaml(config), false));
  files.push(await file(paths.hosts, await renderHosts(config), false));
  files.push(await file(paths.vars, vars, true));
  const fallback = await planFallbackVars(config, paths, migrationVersion);
  files.push(...fallback.files);

  return {
    dirs: [
      paths.root,
      paths.inventoryDir,
      paths.hostVarsDir,
      ...fallback.dirs,
      paths.credentialsDir,
      paths.logsDir,
    ],
    files,
    // Generated secrets and any the operator added (e.g. ansible_become_password): masked in
    // --dry-run, redacted from the journal.
    secrets: [
      ...Object.values(secrets),
      ...jitsi.map((a) => a.password),
      ...secretValuesOf(existing?.toJS()),
      ...fallback.secrets,
    ],
    created,
    kept,
    migrationVersion,
    migrationSource,
    ...(fallback.hosts.length > 0 ? { fallbackSecrets: fallback.hosts } : {}),
  };
}
