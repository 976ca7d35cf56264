/** Deploy stages and the MDAD tags each runs (docs/mdad-contract.md, section 4). */
export interface Stage {
  name: string;
  tags: readonly string[];
}

export const DEPLOY_STAGE_NAMES = ['setup', 'start'] as const;
export type DeployStageName = (typeof DEPLOY_STAGE_NAMES)[number];

export function deployStages(options: { full: boolean }): Stage[] {
  return [
    {
      name: 'setup',
      // setup-all also uninstalls components removed from vars.yml (slower).
      tags: [options.full ? 'setup-all' : 'install-all', 'ensure-matrix-users-created'],
    },
    { name: 'start', tags: ['start'] },
  ];
}
