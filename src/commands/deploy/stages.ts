/** Deploy stages and the MDAD tags each runs (docs/mdad-contract.md, section 4). */
export interface Stage {
  name: string;
  tags: readonly string[];
}

/** MDAD's tag for user creation (matrix-user-creator, and the bots' own users); in the setup stage. */
export const USERS_TAG = 'ensure-matrix-users-created';

export const DEPLOY_STAGE_NAMES = ['setup', 'start'] as const;
export type DeployStageName = (typeof DEPLOY_STAGE_NAMES)[number];

export function deployStages(options: { full: boolean }): Stage[] {
  return [
    {
      name: 'setup',
      // setup-all also uninstalls components removed from vars.yml (slower).
      tags: [options.full ? 'setup-all' : 'install-all', USERS_TAG],
    },
    { name: 'start', tags: ['start'] },
  ];
}
