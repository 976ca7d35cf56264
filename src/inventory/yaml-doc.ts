import { type Document, parseDocument, type ScalarTag } from 'yaml';

/** Ansible's `!unsafe` tag: a plain string that the playbook must not template. */
export const unsafeTag: ScalarTag = {
  tag: '!unsafe',
  resolve: (str) => str,
};

/** Ansible Vault's `!vault` tag: kept as its (encrypted) text. */
export const vaultTag: ScalarTag = {
  tag: '!vault',
  resolve: (str) => str,
};

/**
 * Parse YAML as Ansible writes it (!unsafe, !vault); errors are returned, not thrown. Never
 * logs: the yaml library's warnings quote whole source lines, secrets included.
 */
export function parseVarsDocument(text: string): Document {
  return parseDocument(text, {
    customTags: [unsafeTag, vaultTag],
    keepSourceTokens: false,
    logLevel: 'silent',
  });
}
