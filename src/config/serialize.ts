import { stringify } from 'yaml';
import type { Config } from './schema.js';

/**
 * The config as matrix-oob.yml: every field explicit (defaults included), so the file documents
 * the deployment and replays it exactly with `init --config`. case_dir is left out: a case's
 * config lives in the case folder.
 */
export function configToYaml(config: Config): string {
  const { case_dir: _caseDir, ...rest } = config;
  const data = JSON.parse(JSON.stringify(rest)) as Record<string, unknown>;
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
