import { UserError } from '../errors.js';
import { migrationStatus } from '../playbook/acknowledge.js';
import { readExpectedMigration, VALIDATED_VERSION_VAR } from '../playbook/migration.js';
import { checkoutPath } from '../playbook/pin.js';
import { checkoutUsable } from './checkout.js';
import type { DoctorContext } from './context.js';
import type { CheckResult } from './report.js';

/** The inventory's validated migration version against the checkout's expected one. */
export async function migrationCheck(ctx: DoctorContext): Promise<CheckResult> {
  const base = { id: 'migration-version', title: 'migration version' };
  if (!ctx.loaded) return { ...base, status: 'skip', summary: 'needs a case' };
  const path = checkoutPath(ctx.loaded);
  const [usable, inv] = await Promise.all([checkoutUsable(path), ctx.inventory]);
  if (!usable) return { ...base, status: 'skip', summary: 'needs the playbook checkout' };
  if (!inv?.vars) return { ...base, status: 'skip', summary: "needs the host's vars.yml" };
  let migration: Awaited<ReturnType<typeof readExpectedMigration>>;
  try {
    migration = await readExpectedMigration(path);
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    return { ...base, status: 'fail', summary: err.message, ...(err.hint ? { fix: err.hint } : {}) };
  }
  const raw = inv.vars[VALIDATED_VERSION_VAR];
  const validated = typeof raw === 'string' && raw !== '' ? raw : undefined;
  const status = migrationStatus(migration, validated);
  const details = status.changes.map(
    (c) => `${c.version}  ${c.summary}${c.changelog_url ? `  (${c.changelog_url})` : ''}`,
  );
  const ack =
    'read the breaking changes above, adapt vars.yml if needed, then run "matrix-oob playbook acknowledge".';
  switch (status.state) {
    case 'current':
      return { ...base, status: 'pass', summary: `${validated} (what the checkout expects)` };
    case 'missing':
      return {
        ...base,
        status: 'fail',
        summary: `${VALIDATED_VERSION_VAR} is not set: every playbook run fails at the migration gate (checkout expects ${status.expected})`,
        details: details.length > 0 ? ['breaking changes:', ...details] : [],
        fix: ack,
      };
    case 'older':
      return {
        ...base,
        status: 'fail',
        summary: `inventory validated ${validated}, the checkout expects ${status.expected}: every run fails until you review ${status.changes.length} breaking change${status.changes.length === 1 ? '' : 's'}`,
        details: details.length > 0 ? ['breaking changes since then:', ...details] : [],
        fix: ack,
      };
    case 'newer':
      return {
        ...base,
        status: 'warn',
        summary: `inventory validated ${validated}, newer than this checkout's ${status.expected}: the checkout is older than the inventory`,
        fix: 'fetch the playbook revision this inventory was made for: "matrix-oob playbook fetch --ref <revision>".',
      };
  }
}
