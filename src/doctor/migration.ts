import { UserError } from '../errors.js';
import { migrationStatus } from '../playbook/acknowledge.js';
import { readExpectedMigration, VALIDATED_VERSION_VAR } from '../playbook/migration.js';
import { checkoutWithVars } from './checkout.js';
import type { DoctorContext } from './context.js';
import type { CheckResult } from './report.js';

/** The inventory's validated migration version against the checkout's expected one. */
export async function migrationCheck(ctx: DoctorContext): Promise<CheckResult> {
  const base = { id: 'migration-version', title: 'migration version' };
  const needs = await checkoutWithVars(ctx, base);
  if ('skip' in needs) return needs.skip;
  const { path, vars } = needs;
  let migration: Awaited<ReturnType<typeof readExpectedMigration>>;
  try {
    migration = await readExpectedMigration(path);
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    return { ...base, status: 'fail', summary: err.message, ...(err.hint ? { fix: err.hint } : {}) };
  }
  const raw = vars[VALIDATED_VERSION_VAR];
  const validated = typeof raw === 'string' && raw !== '' ? raw : undefined;
  const status = migrationStatus(migration, validated);
  const details = status.changes.map(
    (c) => `${c.version}  ${c.summary}${c.changelog_url ? `  (${c.changelog_url})` : ''}`,
  );
  /** Every run fails until the breaking changes are reviewed and acknowledged. */
  const mustReview = (summary: string, heading: string): CheckResult => ({
    ...base,
    status: 'fail',
    summary,
    details: details.length > 0 ? [heading, ...details] : [],
    fix: 'read the breaking changes above, adapt vars.yml if needed, then run "matrix-oob playbook acknowledge".',
  });
  switch (status.state) {
    case 'current':
      return { ...base, status: 'pass', summary: `${validated} (what the checkout expects)` };
    case 'missing':
      return mustReview(
        `${VALIDATED_VERSION_VAR} is not set: every playbook run fails at the migration gate (checkout expects ${status.expected})`,
        'breaking changes:',
      );
    case 'older':
      return mustReview(
        `inventory validated ${validated}, the checkout expects ${status.expected}: every run fails until you review ${status.changes.length} breaking change${status.changes.length === 1 ? '' : 's'}`,
        'breaking changes since then:',
      );
    case 'newer':
      return {
        ...base,
        status: 'warn',
        summary: `inventory validated ${validated}, newer than this checkout's ${status.expected}: the checkout is older than the inventory`,
        fix: 'fetch the playbook revision this inventory was made for: "matrix-oob playbook fetch --ref <revision>".',
      };
  }
}
