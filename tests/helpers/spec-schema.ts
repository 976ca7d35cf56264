import { parse } from 'yaml';
import { specApiFile } from './shared-refs.js';

/**
 * Check JSON values against the Matrix spec's OpenAPI schemas (from ../shared/matrix-spec):
 * the subset the spec's client-server definitions use for plain data (type, properties,
 * required, additionalProperties, patternProperties, items, allOf, $ref to other files).
 * Returns the problems found, [] when the value conforms.
 */
type Schema = Record<string, unknown>;

export function loadSpec(file: string): Record<string, unknown> | undefined {
  const text = specApiFile(file);
  return text === undefined ? undefined : (parse(text) as Record<string, unknown>);
}

/** The schema of an operation's request body or response (e.g. status "200"). */
export function operationSchema(
  file: string,
  path: string,
  method: string,
  part: 'request' | string,
): Schema | undefined {
  const spec = loadSpec(file);
  const op = (spec?.paths as Record<string, Record<string, Schema>> | undefined)?.[path]?.[method];
  if (!op) return undefined;
  const content =
    part === 'request'
      ? (op.requestBody as Schema | undefined)?.content
      : ((op.responses as Record<string, Schema>)?.[part] as Schema | undefined)?.content;
  return ((content as Record<string, Schema> | undefined)?.['application/json'] as Schema | undefined)
    ?.schema as Schema | undefined;
}

export function specPaths(file: string): string[] {
  return Object.keys((loadSpec(file)?.paths as object | undefined) ?? {});
}

function resolveRef(ref: string, dir: string): { schema: Schema; dir: string } {
  const path = `${dir}/${ref}`.replace(/\/\.\//g, '/');
  const norm: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '..') norm.pop();
    else if (seg !== '' && seg !== '.') norm.push(seg);
  }
  const file = norm.join('/');
  const schema = parse(specApiFile(file) ?? '{}') as Schema;
  return { schema, dir: norm.slice(0, -1).join('/') };
}

export function validate(schema: Schema, value: unknown, dir = 'client-server', at = '$'): string[] {
  if (typeof schema.$ref === 'string') {
    const r = resolveRef(schema.$ref, dir);
    return validate(r.schema, value, r.dir, at);
  }
  const problems: string[] = [];
  for (const sub of (schema.allOf as Schema[] | undefined) ?? [])
    problems.push(...validate(sub, value, dir, at));
  const type = schema.type as string | string[] | undefined;
  if (type !== undefined) {
    const types = Array.isArray(type) ? type : [type];
    const actual =
      value === null
        ? 'null'
        : Array.isArray(value)
          ? 'array'
          : Number.isInteger(value)
            ? 'integer'
            : typeof value;
    const ok = types.some((t) => t === actual || (t === 'number' && actual === 'integer'));
    if (!ok) return [...problems, `${at}: expected ${types.join('|')}, got ${actual}`];
  }
  if (Array.isArray(value) && schema.items) {
    value.forEach((v, i) => {
      problems.push(...validate(schema.items as Schema, v, dir, `${at}[${i}]`));
    });
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    const props = (schema.properties as Record<string, Schema> | undefined) ?? {};
    for (const r of (schema.required as string[] | undefined) ?? []) {
      if (!(r in obj)) problems.push(`${at}: missing required ${r}`);
    }
    const patterns = Object.entries((schema.patternProperties as Record<string, Schema> | undefined) ?? {});
    for (const [k, v] of Object.entries(obj)) {
      if (props[k]) {
        problems.push(...validate(props[k]!, v, dir, `${at}.${k}`));
        continue;
      }
      const pattern = patterns.find(([p]) => new RegExp(p).test(k));
      if (pattern) {
        problems.push(...validate(pattern[1], v, dir, `${at}[${JSON.stringify(k)}]`));
        continue;
      }
      const extra = schema.additionalProperties;
      if (extra === false) problems.push(`${at}: unexpected property ${k}`);
      else if (extra && typeof extra === 'object') {
        problems.push(...validate(extra as Schema, v, dir, `${at}[${JSON.stringify(k)}]`));
      }
    }
  }
  return problems;
}
