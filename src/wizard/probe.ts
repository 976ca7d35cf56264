import { mergeRaw, type RawConfig } from '../config/raw.js';
import { configSchema } from '../config/schema.js';
import { fieldPath } from '../config/validate.js';

/** Valid values for the required fields, so a probe only fails where it is meant to. */
const SKELETON: RawConfig = { domain: 'example.com', server: { address: '192.0.2.1' } };

/**
 * The schema's message for one field of a partial config. Rules that span fields (become for a
 * non-root login, a user listed twice) live in the schema, not in validators.ts: the wizard asks
 * the schema instead of keeping a second copy of them.
 */
export function schemaProblem(probe: RawConfig, path: string): string | undefined {
  const result = configSchema.safeParse(mergeRaw(SKELETON, probe));
  if (result.success) return undefined;
  return result.error.issues.find((issue) => fieldPath(issue.path) === path)?.message;
}
