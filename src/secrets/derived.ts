import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { listFilesSync } from '../adapters/files.js';

/**
 * The secrets MDAD derives from matrix_homeserver_generic_secret_key (the registration shared
 * secret, macaroon and form secrets, database passwords, appservice tokens...). They never
 * appear in vars.yml, but `--diff` or `-v` print them; the redactor must know them. Read from
 * the case's own checkout, so a new derivation in a newer MDAD is found without a release of
 * matrix-oob. Two shapes exist (MDAD at c0681e4):
 *
 *   (matrix_homeserver_generic_secret_key + ':SUFFIX') | hash('sha512') | to_uuid
 *   ((matrix_homeserver_generic_secret_key + ':SUFFIX') | hash('sha512'))[:32] | b64encode | regex_replace('=+$', '')
 *
 * Any other use of the key is counted as `unknown`: its value cannot be computed here, so the
 * logs of such a case may hold it (docs/security.md says what that means).
 */

/** Ansible's namespace for the to_uuid filter (uuid5). */
const ANSIBLE_UUID_NAMESPACE = '361e6d51-faec-444a-9079-341386da8e2e';

/** Ansible's `to_uuid`: uuid5 in Ansible's namespace. */
export function toUuid(name: string): string {
  const ns = Buffer.from(ANSIBLE_UUID_NAMESPACE.replace(/-/g, ''), 'hex');
  const h = createHash('sha1').update(ns).update(name, 'utf8').digest().subarray(0, 16);
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const sha512 = (s: string) => createHash('sha512').update(s, 'utf8').digest('hex');

const USE =
  /matrix_homeserver_generic_secret_key\s*\+\s*'([^']*)'\s*\)\s*\|\s*hash\(\s*'sha512'\s*\)(.{0,80})/g;
const UUID_TAIL = /^\s*\|\s*to_uuid/;
const B64_TAIL =
  /^\s*\)\s*\[\s*:\s*(\d+)\s*\]\s*\|\s*b64encode\s*\|\s*regex_replace\(\s*'=\+\$'\s*,\s*''\s*\)/;

export interface Derivations {
  /** Suffixes derived with `| to_uuid`. */
  uuid: string[];
  /** Suffixes derived with `[:n] | b64encode` (unpadded), with n. */
  b64: { suffix: string; length: number }[];
  /** Other uses of the key, as found (cannot be computed). */
  unknown: string[];
}

/** The derivations in one file's text. */
export function derivationsIn(text: string): Derivations {
  const out: Derivations = { uuid: [], b64: [], unknown: [] };
  for (const m of text.matchAll(USE)) {
    const [, suffix = '', tail = ''] = m;
    const b64 = B64_TAIL.exec(tail);
    if (UUID_TAIL.test(tail)) out.uuid.push(suffix);
    else if (b64) out.b64.push({ suffix, length: Number(b64[1]) });
    else out.unknown.push(m[0].slice(0, 120));
  }
  return out;
}

/** group_vars/ and roles/**\/defaults of a checkout: where MDAD derives its secrets. */
function derivationFiles(checkout: string): string[] {
  const yaml = /[/\\](defaults|vars)[/\\][^/\\]+\.ya?ml$/;
  return [
    ...listFilesSync(join(checkout, 'group_vars'), { depth: 2 }),
    ...listFilesSync(join(checkout, 'roles'), { depth: 5 }).filter((p) => yaml.test(p)),
  ];
}

/** Every derivation in a checkout (deduplicated). */
export function checkoutDerivations(checkout: string): Derivations {
  const all: Derivations = { uuid: [], b64: [], unknown: [] };
  for (const f of derivationFiles(checkout)) {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    if (!text.includes('matrix_homeserver_generic_secret_key')) continue;
    const d = derivationsIn(text);
    all.uuid.push(...d.uuid);
    all.b64.push(...d.b64);
    all.unknown.push(...d.unknown);
  }
  return {
    uuid: [...new Set(all.uuid)],
    b64: [...new Map(all.b64.map((b) => [`${b.length}:${b.suffix}`, b])).values()],
    unknown: [...new Set(all.unknown)],
  };
}

/** The values of the derived secrets for one generic key. */
export function derivedSecrets(genericKey: string, d: Derivations): string[] {
  const out = new Set<string>();
  for (const suffix of d.uuid) out.add(toUuid(sha512(`${genericKey}${suffix}`)));
  for (const { suffix, length } of d.b64) {
    const head = sha512(`${genericKey}${suffix}`).slice(0, length);
    out.add(Buffer.from(head, 'utf8').toString('base64').replace(/=+$/, ''));
  }
  return [...out];
}
