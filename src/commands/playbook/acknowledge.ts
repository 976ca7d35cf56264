import { relative } from 'node:path';
import { exists } from '../../adapters/files.js';
import { journal } from '../../case/journal.js';
import { loadCase } from '../../config/load.js';
import { readInventoryState } from '../../doctor/inventory-state.js';
import { ExitCode, ExitError, FailureError, UserError } from '../../errors.js';
import { migrationStatus, readValidatedVersion, writeValidatedVersion } from '../../playbook/acknowledge.js';
import { readExpectedMigration, VALIDATED_VERSION_VAR } from '../../playbook/migration.js';
import { checkoutPath } from '../../playbook/pin.js';
import type { Output } from '../../ui/output.js';
import { canPrompt, inquirerPrompts, type Prompts } from '../../ui/prompts.js';
import type { GlobalOptions } from '../context.js';

export interface AcknowledgeRequest {
  globals: GlobalOptions;
  out: Output;
  prompts?: Prompts;
  interactive?: boolean;
}

/**
 * Show the breaking changes between the inventory's validated migration version and the
 * checkout's expected one, and after confirmation write the expected version into vars.yml.
 */
export async function runAcknowledge(req: AcknowledgeRequest): Promise<void> {
  const { globals, out } = req;
  const loaded = await loadCase(globals.case);
  const checkout = checkoutPath(loaded);
  if (!(await exists(checkout))) {
    throw new UserError(`no playbook checkout at ${checkout}`, {
      hint: 'run "matrix-oob playbook fetch" first; the breaking changes are read from the checkout.',
    });
  }
  const migration = await readExpectedMigration(checkout);
  // The vars file Ansible loads: host_vars/<inventory host>/vars.yml (falls back to the case layout).
  const inv = await readInventoryState(loaded.paths);
  const varsFile = inv.varsFile ?? loaded.paths.vars;
  const validated = await readValidatedVersion(varsFile);
  const status = migrationStatus(migration, validated);
  const shownVars = relative(loaded.paths.root, varsFile);
  const report = {
    vars_file: varsFile,
    from: validated ?? null,
    to: status.expected,
    breaking_changes: status.changes,
  };

  if (status.state === 'current') {
    out.info(`${shownVars} is already validated for ${status.expected}: nothing to acknowledge.`);
    if (globals.json) out.data(JSON.stringify({ ...report, changed: false }, null, 2));
    return;
  }
  if (status.state === 'newer') {
    throw new FailureError(
      `${shownVars} is validated for ${validated}, newer than this checkout's ${status.expected}; refusing to lower it`,
      {
        hint: 'fetch the playbook revision this inventory was made for ("matrix-oob playbook fetch --ref <revision>").',
      },
    );
  }

  out.info(
    `${VALIDATED_VERSION_VAR}: ${validated ?? '(not set)'} -> ${status.expected} (checkout ${relative(loaded.paths.root, checkout) || checkout})`,
  );
  if (status.changes.length === 0) {
    out.info('the checkout lists no breaking changes in between.');
  } else {
    out.info(`breaking changes to review (${status.changes.length}):`);
    for (const c of status.changes) {
      out.info(`  ${c.version}  ${c.summary}`);
      if (c.changelog_url) out.info(`      ${c.changelog_url}`);
    }
  }

  if (!globals.yes) {
    const interactive = req.interactive ?? canPrompt();
    if (!interactive) {
      throw new UserError('confirmation needed: no terminal to ask on', {
        hint: 'read the breaking changes above, then run "matrix-oob playbook acknowledge --yes".',
      });
    }
    const prompts = req.prompts ?? inquirerPrompts();
    const ok = await prompts.confirm(
      `I have reviewed these changes and adapted vars.yml where needed: set ${VALIDATED_VERSION_VAR} to ${status.expected}?`,
      false,
    );
    if (!ok) {
      out.info(`not acknowledged; ${shownVars} is unchanged.`);
      throw new ExitError(ExitCode.FAILURE, {
        error: `not acknowledged; ${shownVars} is unchanged`,
        next: 'matrix-oob playbook acknowledge',
      });
    }
  }
  await writeValidatedVersion(varsFile, status.expected);
  await journal(loaded.paths.journal, {
    command: 'playbook acknowledge',
    result: 'ok',
    from: validated ?? null,
    to: status.expected,
    breaking_changes: status.changes.map((c) => c.version),
  });
  out.info(`${shownVars}: ${VALIDATED_VERSION_VAR} is now ${status.expected}.`);
  if (globals.json) out.data(JSON.stringify({ ...report, changed: true }, null, 2));
}
