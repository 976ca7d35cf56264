import { stringify } from 'yaml';
import { type Config, knownKeysAt } from './schema.js';

/** Keys in the schema's order (docs/config.md's order), whatever order the input had. */
function canonical(value: unknown, path: string[] = []): unknown {
  if (Array.isArray(value)) return value.map((v) => canonical(v, path));
  if (typeof value !== 'object' || value === null) return value;
  const known = knownKeysAt(path);
  const rank = (k: string) => (known.includes(k) ? known.indexOf(k) : known.length);
  const keys = Object.keys(value).sort((a, b) => rank(a) - rank(b));
  return Object.fromEntries(
    keys.map((k) => [k, canonical((value as Record<string, unknown>)[k], [...path, k])]),
  );
}

/**
 * The config as matrix-oob.yml: every field explicit (defaults included), so the file documents
 * the deployment and replays it exactly with `init --config`. case_dir is left out: a case's
 * config lives in the case folder.
 */
export function configToYaml(config: Config): string {
  const { case_dir: _caseDir, ...rest } = config;
  const data = canonical(JSON.parse(JSON.stringify(rest))) as Record<string, unknown>;
  const playbook = data.playbook as Record<string, unknown> | undefined;
  if (playbook && Object.keys(playbook).length === 0) delete data.playbook;
  const header = [
    '# matrix-oob case config (docs/config.md lists every field).',
    '# Replay or update this case with: matrix-oob init --config matrix-oob.yml --yes <case-dir>',
    '# No secrets here: they live in inventory/host_vars/*/vars.yml and credentials/.',
    '',
  ].join('\n');
  return header + stringify(data, { lineWidth: 0 });
}
