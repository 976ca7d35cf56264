import { type Document, parseDocument, type ScalarTag } from 'yaml';

/** Ansible's `!unsafe` tag: a plain string that the playbook must not template. */
export const unsafeTag: ScalarTag = {
  tag: '!unsafe',
  resolve: (str) => str,
};

/** Parse YAML as Ansible writes it (with !unsafe); errors are returned, not thrown. */
export function parseVarsDocument(text: string): Document {
  return parseDocument(text, { customTags: [unsafeTag], keepSourceTokens: false });
}
