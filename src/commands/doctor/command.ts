import { type Command, Option } from 'commander';
import type { CommandContext } from '../context.js';

export interface DoctorFlags {
  minAnsibleCore: string;
  minCommunityDocker: string;
  sshTimeout: string;
}

export function registerDoctor(program: Command, ctx: CommandContext): void {
  program
    .command('doctor')
    .description(
      'preflight: Ansible, community.docker and community.general, playbook checkout and roles, inventory, migration version, SSH host key',
    )
    .addOption(
      new Option('--min-ansible-core <version>', 'lowest ansible-core accepted')
        .env('MATRIX_OOB_MIN_ANSIBLE_CORE')
        .default('2.15.1'),
    )
    .addOption(
      new Option('--min-community-docker <version>', 'lowest community.docker collection accepted')
        .env('MATRIX_OOB_MIN_COMMUNITY_DOCKER')
        .default('3.6.0'),
    )
    .addOption(new Option('--ssh-timeout <seconds>', 'SSH connect timeout').default('10'))
    .action(async (flags: DoctorFlags) => {
      const { runDoctorCommand } = await import('./run.js');
      await runDoctorCommand({ flags, globals: ctx.globals(), out: ctx.out });
    });
}
