import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../adapters/files.js';
import { UserError } from '../errors.js';
import { parseVars, setTopLevelString, VarsSyntaxError } from '../inventory/vars-file.js';
import {
  type BreakingChange,
  changesSince,
  type ExpectedMigration,
  type MigrationState,
  migrationState,
  VALIDATED_VERSION_VAR,
} from './migration.js';

/** Where an inventory stands against a checkout's migration gate. */
export interface MigrationStatus {
  validated: string | undefined;
  expected: string;
  state: MigrationState;
  /** Breaking changes after the validated version, up to the expected one (oldest first). */
  changes: BreakingChange[];
}

export async function readValidatedVersion(varsFile: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(varsFile, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new UserError(`${varsFile} is missing`, {
        hint: 'create the inventory with "matrix-oob init" (it writes vars.yml), then run the command again.',
      });
    }
    throw err;
  }
  const { data } = parseVarsOrThrow(text, varsFile);
  const v = data?.[VALIDATED_VERSION_VAR];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export function migrationStatus(
  migration: ExpectedMigration,
  validated: string | undefined,
): MigrationStatus {
  return {
    validated,
    expected: migration.expectedVersion,
    state: migrationState(validated, migration.expectedVersion),
    changes: changesSince(migration, validated),
  };
}

/** Write the expected version into vars.yml, changing nothing else (atomic, 0600). */
export async function writeValidatedVersion(varsFile: string, version: string): Promise<void> {
  const text = await readFile(varsFile, 'utf8');
  parseVarsOrThrow(text, varsFile);
  let updated: string;
  try {
    updated = setTopLevelString(text, VALIDATED_VERSION_VAR, version);
  } catch (err) {
    throw new UserError(`${varsFile}: cannot set ${VALIDATED_VERSION_VAR}: ${(err as Error).message}`, {
      hint: `set it by hand to ${version} ("${VALIDATED_VERSION_VAR}: ${version}" on its own line).`,
    });
  }
  const check = parseVars(updated).data;
  if (check?.[VALIDATED_VERSION_VAR] !== version) {
    throw new Error(`internal: ${VALIDATED_VERSION_VAR} was not updated as expected`);
  }
  await writeFileAtomic(varsFile, updated);
}

function parseVarsOrThrow(text: string, file: string): ReturnType<typeof parseVars> {
  try {
    const parsed = parseVars(text);
    if (parsed.data === undefined) {
      throw new UserError(`${file} is not a mapping of variables`, {
        hint: 'vars.yml must hold "name: value" lines; fix it, then run the command again.',
      });
    }
    return parsed;
  } catch (err) {
    if (err instanceof VarsSyntaxError) {
      throw new UserError(`${file} ${err.message}`, {
        hint: 'fix the YAML at that place (the file holds secrets, so it is not shown here).',
      });
    }
    throw err;
  }
}
