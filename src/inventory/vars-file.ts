import { type Document, isMap, isScalar, Scalar, visit } from 'yaml';
import { describeYamlError } from '../config/yaml-error.js';
import { parseVarsDocument } from './yaml-doc.js';

/**
 * Reading and surgically editing an inventory's vars.yml. The file holds secrets: errors name
 * a line and column only (never a snippet of the file), and an edit replaces exactly the bytes
 * of one value, so comments, other keys and every secret stay byte-for-byte as they were.
 */

export interface VarsFile {
  doc: Document;
  /** Top-level keys and values (strings for scalars); undefined when the file is not a mapping. */
  data: Record<string, unknown> | undefined;
}

/** A problem with the file, safe to print (no file content). */
export class VarsSyntaxError extends Error {
  readonly line: number | undefined;
  readonly col: number | undefined;
  constructor(line?: number, col?: number) {
    super(line === undefined ? 'is not valid YAML' : `is not valid YAML (line ${line}, column ${col ?? 1})`);
    this.name = 'VarsSyntaxError';
    this.line = line;
    this.col = col;
  }
}

export function parseVars(text: string): VarsFile {
  const doc = parseVarsDocument(text);
  if (doc.errors.length > 0) {
    const pos = describeYamlError(doc.errors[0]!, text);
    throw new VarsSyntaxError(pos.line, pos.column);
  }
  if (doc.contents === null) return { doc, data: {} };
  if (!isMap(doc.contents)) return { doc, data: undefined };
  const missing = unresolvedAlias(doc);
  if (missing !== undefined) {
    // The yaml library throws a ReferenceError on it only when converting: named here instead.
    const line = text.slice(0, missing).split('\n').length;
    throw new VarsSyntaxError(line, missing - text.lastIndexOf('\n', missing - 1));
  }
  return { doc, data: (doc.toJS() ?? {}) as Record<string, unknown> };
}

/** The offset of the first alias (`*name`) whose anchor does not exist before it, if any. */
function unresolvedAlias(doc: Document): number | undefined {
  let at: number | undefined;
  visit(doc, {
    Alias(_, node) {
      if (node.resolve(doc) !== undefined) return undefined;
      at = node.range?.[0] ?? 0;
      return visit.BREAK;
    },
  });
  return at;
}

/**
 * The top-level `key: value` scalars of a vars.yml that does not parse as a whole (an alias to
 * nothing, a syntax error further down): what can still be read, e.g. to redact its secrets.
 */
export function plainVars(text: string): Record<string, unknown> {
  const doc = parseVarsDocument(text);
  const out: Record<string, unknown> = {};
  if (!isMap(doc.contents)) return out;
  for (const pair of doc.contents.items) {
    if (isScalar(pair.key) && isScalar(pair.value)) out[String(pair.key.value)] = pair.value.value;
  }
  return out;
}

/**
 * Set a top-level string variable, touching nothing else: an existing value's bytes are
 * replaced in place (keeping its quoting style); a missing key is appended at the end.
 */
export function setTopLevelString(text: string, key: string, value: string): string {
  if (!/^[A-Za-z0-9._-]+$/.test(value)) throw new Error(`refusing to write an unusual value for ${key}`);
  const { doc } = parseVars(text);
  const contents = doc.contents;
  if (contents !== null && !isMap(contents)) {
    throw new Error('vars.yml is not a mapping of variables');
  }
  if (contents !== null) {
    const pair = contents.items.find((p) => isScalar(p.key) && p.key.value === key);
    if (pair) {
      const node = pair.value;
      if (!isScalar(node) || !node.range) throw new Error(`${key} is not a plain value in vars.yml`);
      const [start, valueEnd] = node.range;
      const quoted =
        node.type === Scalar.QUOTE_DOUBLE
          ? `"${value}"`
          : node.type === Scalar.QUOTE_SINGLE
            ? `'${value}'`
            : // A plain empty value (`key:`) has a zero-length range; write a separating space.
              text.slice(start - 1, start) === ':'
              ? ` ${value}`
              : value;
      return text.slice(0, start) + quoted + text.slice(valueEnd);
    }
    if (contents.flow) throw new Error('vars.yml is a flow mapping ({ ... }); edit it by hand');
  }
  const sep = text === '' || text.endsWith('\n') ? '' : '\n';
  return `${text}${sep}${key}: ${value}\n`;
}
