import { parseDocument } from 'yaml';
import { UserError } from '../errors.js';
import { type Config, configSchema, configWarnings, finish, knownKeysAt } from './schema.js';
import { didYouMean } from './validators.js';
import { describeYamlError } from './yaml-error.js';

export interface Validated {
  config: Config;
  warnings: string[];
}

/** `server.address`, `users[1].name`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out || '(config)';
}

/**
 * Validate raw data (from YAML or the wizard). Every problem is reported at once, each as
 * `field.path: what is wrong and how to fix it`.
 */
export function validateConfig(raw: unknown, source = 'config'): Validated {
  const result = configSchema.safeParse(raw ?? {});
  if (!result.success) {
    const problems: string[] = [];
    for (const issue of result.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        const known = knownKeysAt(issue.path);
        for (const key of issue.keys) {
          const guess = didYouMean(key, known);
          problems.push(
            `${fieldPath([...issue.path, key])}: unknown key${guess ? `; did you mean "${guess}"?` : `; known keys here: ${known.join(', ')}`}`,
          );
        }
      } else {
        problems.push(
          `${fieldPath(issue.path)}: ${plainMessage({ ...issue, input: valueAt(raw, issue.path) })}`,
        );
      }
    }
    throw new UserError(`${source} has ${problems.length} problem${problems.length === 1 ? '' : 's'}:`, {
      details: problems,
      hint: 'fix the fields above (docs/config.md lists every field) and run the command again; nothing was written.',
    });
  }
  const config = finish(result.data);
  return { config, warnings: configWarnings(config) };
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = raw;
  for (const p of path)
    v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[p] : undefined;
  return v;
}

/** zod's own wording ("Invalid input: expected object, received boolean") in the user's terms. */
export function plainMessage(issue: {
  code: string;
  message: string;
  expected?: unknown;
  input?: unknown;
}): string {
  if (issue.code !== 'invalid_type' || !issue.message.startsWith('Invalid input')) return issue.message;
  const want: Record<string, string> = {
    object: 'a mapping (indented "key: value" lines under it)',
    array: 'a list (lines starting with "- ", or [a, b])',
    string: 'text',
    number: 'a number',
    boolean: 'true or false',
  };
  const expected = want[String(issue.expected)] ?? String(issue.expected);
  const got = issue.input === undefined ? 'nothing' : JSON.stringify(issue.input);
  return `must be ${expected}, got ${got}: see docs/config.md for this field`;
}

/** Parse YAML text; syntax errors name the line and column. */
export function parseConfigText(text: string, source: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, logLevel: 'silent' });
  if (doc.errors.length > 0) {
    const e = describeYamlError(doc.errors[0]!, text);
    const where = e.line ? `line ${e.line}, column ${e.column}` : 'somewhere';
    throw new UserError(`${source}: YAML syntax error at ${where}: ${e.text}`, {
      hint: 'fix the YAML (indentation with spaces, "key: value" pairs) and run the command again.',
    });
  }
  try {
    // maxAliasCount bounds what aliases may expand to (a "billion laughs" file).
    return doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new UserError(`${source}: ${aliasProblem(err)}`, {
      hint: 'write the values out instead of repeating YAML aliases (*name), and run the command again.',
    });
  }
}

function aliasProblem(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  return /alias/i.test(m)
    ? 'too many YAML aliases (a file that expands them this much is refused)'
    : `cannot read the YAML: ${m.split('\n')[0]}`;
}
