import { type Document, isNode, isScalar } from 'yaml';
import { describeYamlError } from '../config/yaml-error.js';
import { UserError } from '../errors.js';
import { generateSecret, SECRET_KEYS, type SecretKey } from './secrets.js';
import { parseVarsDocument } from './yaml-doc.js';

/** Keys whose value is written once and then kept: the secrets and the validated migration version. */
export const WRITE_ONCE_KEYS: readonly string[] = [
  ...SECRET_KEYS,
  'matrix_playbook_migration_validated_version',
];

/** Every key the vars.yml template can produce; a managed key the new render lacks is removed. */
export const MANAGED_KEYS: readonly string[] = [
  'matrix_domain',
  'matrix_homeserver_implementation',
  ...WRITE_ONCE_KEYS,
  'matrix_playbook_reverse_proxy_type',
  'devture_systemd_docker_base_ipv6_enabled',
  'matrix_synapse_additional_loggers_custom',
  'matrix_client_element_enabled',
  'matrix_static_files_container_labels_base_domain_enabled',
  'matrix_synapse_federation_domain_whitelist',
  'traefik_config_certificatesResolvers_acme_email',
  'matrix_rtc_enabled',
  'jitsi_enabled',
  'jitsi_enable_auth',
  'jitsi_auth_type',
  'jitsi_enable_guests',
  'jitsi_prosody_auth_internal_accounts',
  'coturn_enabled',
  'coturn_turn_external_ip_addresses',
];

/** Parse an existing vars.yml; a broken one is an error naming the file (never silently replaced). */
export function parseExistingVars(text: string, file: string): Document {
  const doc = parseVarsDocument(text);
  if (doc.errors.length > 0) {
    const e = describeYamlError(doc.errors[0]!, text);
    const where = e.line ? ` at line ${e.line}` : '';
    throw new UserError(`${file} is not valid YAML${where}: ${e.text}`, {
      hint: "fix the file by hand (it holds the server's secrets, so matrix-oob will not overwrite it) and run init again.",
    });
  }
  return doc;
}

/** The string value of a write-once key in an existing vars.yml, if set. */
export function existingValue(doc: Document, key: string): string | undefined {
  const node = doc.get(key, true);
  if (isScalar(node) && node.value !== null && node.value !== undefined && String(node.value) !== '') {
    return String(node.value);
  }
  return undefined;
}

/**
 * The secrets of one server's vars.yml: each one already there is kept, each missing one is
 * generated now (never regenerated once written).
 */
export function keepOrGenerateSecrets(existing: Document | undefined): {
  secrets: Record<SecretKey, string>;
  created: SecretKey[];
  kept: SecretKey[];
} {
  const secrets = {} as Record<SecretKey, string>;
  const created: SecretKey[] = [];
  const kept: SecretKey[] = [];
  for (const key of SECRET_KEYS) {
    const current = existing ? existingValue(existing, key) : undefined;
    (current === undefined ? created : kept).push(key);
    secrets[key] = current ?? generateSecret();
  }
  return { secrets, created, kept };
}

/**
 * Update an existing vars.yml with a fresh render: managed keys take their new values (their
 * nodes, so quoting and !unsafe tags carry over), write-once keys already present are left
 * byte-for-byte, managed keys the new render no longer has are removed, and every other key
 * and comment is left untouched.
 */
export function mergeVars(existingText: string, file: string, renderedText: string): string {
  const doc = parseExistingVars(existingText, file);
  const fresh = parseVarsDocument(renderedText);
  let changed = false;
  for (const key of MANAGED_KEYS) {
    const node = fresh.get(key, true);
    if (node === undefined) {
      if (doc.has(key)) {
        doc.delete(key);
        changed = true;
      }
      continue;
    }
    if (WRITE_ONCE_KEYS.includes(key) && existingValue(doc, key) !== undefined) continue;
    if (sameValue(doc.get(key, true), node)) continue;
    doc.set(key, node);
    changed = true;
  }
  // Nothing to change: keep the file byte-for-byte (a re-serialisation could reformat it).
  return changed ? doc.toString({ lineWidth: 0 }) : existingText;
}

/** Same data and same tag (so `!unsafe` is not lost); formatting does not matter. */
function sameValue(a: unknown, b: unknown): boolean {
  const tag = (n: unknown) => (isNode(n) ? n.tag : undefined);
  const data = (n: unknown) => JSON.stringify(isNode(n) ? n.toJSON() : n);
  return a !== undefined && tag(a) === tag(b) && data(a) === data(b);
}
