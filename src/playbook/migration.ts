import { join } from 'node:path';
import { parse } from 'yaml';
import { readIfExists } from '../adapters/files.js';
import { UserError } from '../errors.js';

/**
 * The migration version a new inventory is validated against when no playbook checkout is
 * configured yet: the expected version of the MDAD revision matrix-oob is tested with
 * (docs/config.md, "playbook"). With a checkout, its own expected version wins.
 */
export const PINNED_MIGRATION_VERSION = 'v2026.05.18.0';

export const MIGRATION_DEFAULTS = 'roles/custom/matrix_playbook_migration/defaults/main.yml';

export interface BreakingChange {
  version: string;
  summary: string;
  changelog_url?: string;
}

export interface ExpectedMigration {
  expectedVersion: string;
  breakingChanges: BreakingChange[];
}

/** Read `matrix_playbook_migration_expected_version` (and the breaking changes) from a checkout. */
export async function readExpectedMigration(checkout: string): Promise<ExpectedMigration> {
  const file = join(checkout, MIGRATION_DEFAULTS);
  const text = await readIfExists(file);
  if (text === undefined) {
    throw new UserError(`playbook checkout ${checkout} has no ${MIGRATION_DEFAULTS}`, {
      hint: 'check playbook.path points at a matrix-docker-ansible-deploy checkout, or run "matrix-oob playbook fetch".',
    });
  }
  const data = (parse(text) ?? {}) as Record<string, unknown>;
  const expected = data.matrix_playbook_migration_expected_version;
  if (typeof expected !== 'string' || expected === '') {
    throw new UserError(`${file} does not define matrix_playbook_migration_expected_version`, {
      hint: 'the checkout may be too old or damaged: run "matrix-oob playbook fetch" again.',
    });
  }
  const changes = Array.isArray(data.matrix_playbook_migration_breaking_changes)
    ? (data.matrix_playbook_migration_breaking_changes as BreakingChange[])
    : [];
  return { expectedVersion: expected, breakingChanges: changes };
}
