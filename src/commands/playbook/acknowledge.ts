import { relative } from 'node:path';
import { exists } from '../../adapters/files.js';
import { journal } from '../../case/journal.js';
import { serverVarsPath } from '../../case/paths.js';
import { loadCase } from '../../config/load.js';
import { fallbackServers } from '../../config/servers.js';
import { readInventoryState } from '../../doctor/inventory-state.js';
import { ExitCode, ExitError, FailureError, UserError } from '../../errors.js';
import { migrationStatus, readValidatedVersion, writeValidatedVersion } from '../../playbook/acknowledge.js';
import { readExpectedMigration, VALIDATED_VERSION_VAR } from '../../playbook/migration.js';
import { checkoutPath } from '../../playbook/pin.js';
import type { Output } from '../../ui/output.js';
import { canPrompt, inquirerPrompts, type Prompts } from '../../ui/prompts.js';
import { compareVersions } from '../../util/version-compare.js';
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
  // The vars file Ansible loads: host_vars/<inventory host>/vars.yml (falls back to the case
  // layout); and each fallback server's (docs/fallback.md): MDAD's gate runs on every server.
  const inv = await readInventoryState(loaded.paths);
  const fallbackFiles = fallbackServers(loaded.config).map((s) => serverVarsPath(loaded.paths, s.domain));
  const files = [inv.varsFile ?? loaded.paths.vars];
  for (const f of fallbackFiles) if (await exists(f)) files.push(f);
  const servers: { file: string; shown: string; validated: string | undefined }[] = [];
  for (const file of files) {
    servers.push({
      file,
      shown: relative(loaded.paths.root, file),
      validated: await readValidatedVersion(file),
    });
  }
  const stateOf = (v: string | undefined) => migrationStatus(migration, v).state;
  const newer = servers.find((s) => stateOf(s.validated) === 'newer');
  if (newer) {
    throw new FailureError(
      `${newer.shown} is validated for ${newer.validated}, newer than this checkout's ${migration.expectedVersion}; refusing to lower it`,
      {
        hint: 'fetch the playbook revision this inventory was made for ("matrix-oob playbook fetch --ref <revision>").',
      },
    );
  }
  // The servers behind the checkout; the breaking changes since the oldest of them.
  const behind = servers.filter((s) => stateOf(s.validated) !== 'current');
  const oldest = behind.find((s) => s.validated === undefined) ?? [...behind].sort(byVersion)[0];
  const main = servers[0]!;
  const status = migrationStatus(migration, oldest ? oldest.validated : main.validated);
  const report = {
    vars_file: main.file,
    from: (oldest ?? main).validated ?? null,
    to: status.expected,
    breaking_changes: status.changes,
    ...(servers.length > 1
      ? { vars_files: servers.map((s) => ({ path: s.file, from: s.validated ?? null })) }
      : {}),
  };

  if (behind.length === 0) {
    out.info(
      `${servers.map((s) => s.shown).join(', ')} ${servers.length === 1 ? 'is' : 'are'} already validated for ${status.expected}: nothing to acknowledge.`,
    );
    if (globals.json) out.data(JSON.stringify({ ...report, changed: false }, null, 2));
    return;
  }

  const shownVars = behind.map((s) => s.shown).join(', ');
  for (const s of behind) {
    out.info(
      `${servers.length > 1 ? `${s.shown}: ` : ''}${VALIDATED_VERSION_VAR}: ${s.validated ?? '(not set)'} -> ${status.expected} (checkout ${relative(loaded.paths.root, checkout) || checkout})`,
    );
  }
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
  for (const s of behind) await writeValidatedVersion(s.file, status.expected);
  await journal(loaded.paths.journal, {
    command: 'playbook acknowledge',
    result: 'ok',
    from: (oldest ?? main).validated ?? null,
    to: status.expected,
    breaking_changes: status.changes.map((c) => c.version),
    ...(servers.length > 1 ? { vars_files: behind.map((s) => s.shown) } : {}),
  });
  for (const s of behind) out.info(`${s.shown}: ${VALIDATED_VERSION_VAR} is now ${status.expected}.`);
  if (globals.json) out.data(JSON.stringify({ ...report, changed: true }, null, 2));
}

/** Oldest validated version first. */
function byVersion(a: { validated: string | undefined }, b: { validated: string | undefined }): number {
  return compareVersions(a.validated ?? '', b.validated ?? '');
}
