import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { readIfExists } from '../adapters/files.js';
import { UserError } from '../errors.js';
import { compareVersions } from '../util/version-compare.js';

/**
 * MDAD's migration-version gate (mdad-contract.md section 2): every run fails unless the
 * inventory's `matrix_playbook_migration_validated_version` is at least the checkout's
 * `matrix_playbook_migration_expected_version`, and the checkout lists the breaking changes
 * in between. This module reads them from a checkout.
 */

/**
 * The migration version a new inventory is validated against when no playbook checkout is
 * configured yet: the expected version of the pinned MDAD revision (src/playbook/pin.ts).
 * With a checkout, its own expected version wins.
 */
export const PINNED_MIGRATION_VERSION = 'v2026.05.18.0';

export const MIGRATION_DEFAULTS = 'roles/custom/matrix_playbook_migration/defaults/main.yml';
export const VALIDATED_VERSION_VAR = 'matrix_playbook_migration_validated_version';

/** One entry of the checkout's matrix_playbook_migration_breaking_changes (one without a version is skipped). */
const BreakingChangeEntry = z.object({
  version: z.string(),
  summary: z.string().catch('(no summary)'),
  changelog_url: z.string().optional().catch(undefined),
});

export type BreakingChange = z.infer<typeof BreakingChangeEntry>;

export interface ExpectedMigration {
  expectedVersion: string;
  /** Sorted oldest first. */
  breakingChanges: BreakingChange[];
}

/** Read the expected version and the breaking changes from a checkout. */
export async function readExpectedMigration(checkout: string): Promise<ExpectedMigration> {
  const file = join(checkout, MIGRATION_DEFAULTS);
  const text = await readIfExists(file);
  if (text === undefined) {
    throw new UserError(`playbook checkout ${checkout} has no ${MIGRATION_DEFAULTS}`, {
      hint: 'check playbook.path points at a matrix-docker-ansible-deploy checkout, or run "matrix-oob playbook fetch".',
    });
  }
  const doc = parseDocument(text, { logLevel: 'silent' });
  if (doc.errors.length > 0) {
    throw new UserError(`${file} is not valid YAML`, {
      hint: 'the checkout may be damaged: run "matrix-oob playbook fetch" again.',
    });
  }
  const data = (doc.toJS() ?? {}) as Record<string, unknown>;
  const expected = data.matrix_playbook_migration_expected_version;
  if (typeof expected !== 'string' || expected === '') {
    throw new UserError(`${file} does not define matrix_playbook_migration_expected_version`, {
      hint: 'the checkout may be too old or damaged: run "matrix-oob playbook fetch" again.',
    });
  }
  const raw = Array.isArray(data.matrix_playbook_migration_breaking_changes)
    ? (data.matrix_playbook_migration_breaking_changes as unknown[])
    : [];
  const breakingChanges = raw.flatMap((item) => {
    const entry = BreakingChangeEntry.safeParse(item);
    return entry.success ? [entry.data] : [];
  });
  breakingChanges.sort((a, b) => compareVersions(a.version, b.version));
  return { expectedVersion: expected, breakingChanges };
}

/** The breaking changes a user validated at `validated` (or nothing) has not seen yet. */
export function changesSince(migration: ExpectedMigration, validated: string | undefined): BreakingChange[] {
  return migration.breakingChanges.filter(
    (c) =>
      (!validated || compareVersions(c.version, validated) > 0) &&
      compareVersions(c.version, migration.expectedVersion) <= 0,
  );
}

export type MigrationState = 'missing' | 'older' | 'current' | 'newer';

export function migrationState(validated: string | undefined, expected: string): MigrationState {
  if (!validated) return 'missing';
  const c = compareVersions(validated, expected);
  return c < 0 ? 'older' : c === 0 ? 'current' : 'newer';
}
