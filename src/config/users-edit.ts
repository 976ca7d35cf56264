import { readFile } from 'node:fs/promises';
import { isMap, isSeq, parseDocument, type YAMLMap } from 'yaml';
import { writeFileAtomic } from '../adapters/files.js';
import { UserError } from '../errors.js';

/**
 * Add, remove or make admin a user in the case config (matrix-oob.yml, `users:`) through the
 * yaml Document API: comments, key order and other keys survive; written atomically (0600).
 * False when there was nothing to change.
 */
export async function editConfigUsers(
  configFile: string,
  change: { add: { name: string; admin: boolean } } | { remove: string } | { makeAdmin: string },
): Promise<boolean> {
  const doc = parseDocument(await readFile(configFile, 'utf8'), { logLevel: 'silent' });
  if (doc.errors.length > 0 || (doc.contents !== null && !isMap(doc.contents))) {
    throw new UserError(`${configFile} cannot be updated: it is not a valid YAML mapping`, {
      hint: 'fix the file (matrix-oob doctor shows the problem), then run the command again.',
    });
  }
  const users = doc.get('users');
  const items = isSeq(users) ? users.items : [];
  const nameOf = (item: unknown) => (isMap(item) ? String((item as YAMLMap).get('name')) : undefined);
  if ('add' in change) {
    if (items.some((i) => nameOf(i) === change.add.name)) return false;
    const entry = doc.createNode(change.add.admin ? change.add : { name: change.add.name });
    if (isSeq(users)) users.items.push(entry);
    else doc.set('users', doc.createNode([entry]));
  } else if ('makeAdmin' in change) {
    const entry = items.find((i) => nameOf(i) === change.makeAdmin) as YAMLMap | undefined;
    if (!entry || entry.get('admin') === true) return false;
    entry.set('admin', true);
  } else {
    const index = items.findIndex((i) => nameOf(i) === change.remove);
    if (index === -1 || !isSeq(users)) return false;
    users.items.splice(index, 1);
  }
  await writeFileAtomic(configFile, doc.toString({ lineWidth: 0 }));
  return true;
}
