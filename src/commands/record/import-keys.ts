import { readFile } from 'node:fs/promises';
import { exists } from '../../adapters/files.js';
import { journal } from '../../case/journal.js';
import { UserError } from '../../errors.js';
import { decryptStored } from '../../record/import.js';
import { lockRecord } from '../../record/lock.js';
import { caseRelative, recordPaths } from '../../record/paths.js';
import { RecordStore, recordedRooms } from '../../record/store.js';
import type { Output } from '../../ui/output.js';

export interface ImportKeysRequest {
  file: string;
  passphraseFile: string | undefined;
  caseRoot: string;
  journalPath: string;
  userId: string;
  json: boolean;
  out: Output;
}

/**
 * `record --import-keys FILE`: decrypt a client's key export with its passphrase, then every
 * stored encrypted event that has no decrypted line yet. Offline: no homeserver needed, so it
 * works after teardown.
 */
export async function runImportKeys(req: ImportKeysRequest): Promise<void> {
  const { out } = req;
  const text = await readFile(req.file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new UserError(`--import-keys: cannot read ${req.file}: ${err.code ?? err.message}`, {
      hint: 'give the file a client wrote with "Export E2E room keys" (Element: Settings > Security & Privacy).',
    });
  });
  const paths = recordPaths(req.caseRoot);
  // Before the passphrase is asked for: nothing to decrypt is said at once.
  if (!(await exists(paths.rooms))) {
    throw new UserError(`${req.caseRoot} has no recorded rooms (record/rooms/ is missing)`, {
      hint: 'run "matrix-oob record" first; importing keys decrypts what it stored.',
    });
  }
  const passphrase = await readPassphrase(req.passphraseFile);
  const unlock = await lockRecord(req.caseRoot, 'record --import-keys');
  const result = await decryptStored(
    text,
    passphrase,
    req.userId,
    new RecordStore(paths),
    await recordedRooms(paths),
  ).finally(unlock);
  await journal(req.journalPath, {
    command: 'record --import-keys',
    result: 'ok',
    keys_imported: result.keysImported,
    decrypted: result.decrypted,
    still_undecryptable: result.still,
    heads: Object.fromEntries(
      Object.entries(result.heads).map(([p, h]) => [caseRelative(req.caseRoot, p), h]),
    ),
  });
  out.info(
    `imported ${result.keysImported} room keys; ${result.decrypted} stored messages decrypted, ${result.still} still undecryptable`,
  );
  if (req.json) out.data(JSON.stringify({ ok: true, ...result }, null, 2));
}

async function readPassphrase(file: string | undefined): Promise<string> {
  if (file) {
    const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new UserError(`--passphrase-file: cannot read ${file}: ${err.code ?? err.message}`, {
        hint: 'put the passphrase of the key export on the first line of the file.',
      });
    });
    const line = text.split(/\r?\n/)[0] ?? '';
    if (!line)
      throw new UserError('--passphrase-file: the file is empty', {
        hint: 'put the passphrase on its first line.',
      });
    return line;
  }
  if (!process.stdin.isTTY || !process.stderr.isTTY) {
    throw new UserError('--import-keys needs the passphrase of the key export', {
      hint: 'give --passphrase-file FILE (never on the command line), or run on a terminal to be asked.',
    });
  }
  const { password } = await import('@inquirer/prompts');
  return password({ message: 'Passphrase of the key export', mask: '*' }, { output: process.stderr });
}
