import { readFile } from 'node:fs/promises';
import { isAbsolute, relative, sep } from 'node:path';
import { isMap, parseDocument } from 'yaml';
import { writeFileAtomic } from '../adapters/files.js';
import { UserError } from '../errors.js';

/**
 * Record the checkout in the case config (matrix-oob.yml: playbook.path, repo, ref). The file
 * is edited through the yaml Document API, so the user's comments, key order and other keys
 * survive; it is written atomically and stays 0600.
 */
export async function recordCheckout(
  configFile: string,
  caseRoot: string,
  checkout: { path: string; repo: string; ref: string },
): Promise<void> {
  const text = await readFile(configFile, 'utf8');
  const doc = parseDocument(text, { logLevel: 'silent' });
  if (doc.errors.length > 0 || (doc.contents !== null && !isMap(doc.contents))) {
    throw new UserError(`${configFile} cannot be updated: it is not a valid YAML mapping`, {
      hint: 'fix the file (matrix-oob doctor shows the problem), then run the command again.',
    });
  }
  const rel = relative(caseRoot, checkout.path);
  const path =
    rel === '' ? '.' : !rel.startsWith('..') && !isAbsolute(rel) ? rel.split(sep).join('/') : checkout.path;
  doc.setIn(['playbook', 'path'], path);
  doc.setIn(['playbook', 'repo'], checkout.repo);
  doc.setIn(['playbook', 'ref'], checkout.ref);
  await writeFileAtomic(configFile, doc.toString({ lineWidth: 0 }));
}
