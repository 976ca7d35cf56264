import { checkoutPath } from '../playbook/pin.js';
import { pinProblems } from '../ssh/pin-guard.js';
import { extraSshArgs, inventoryTarget, sshConfigProblems } from '../ssh/pin-ssh.js';
import type { DoctorContext } from './context.js';
import type { CheckResult } from './report.js';

/**
 * Whether anything (inventory, vars files, the playbook's group_vars, the environment,
 * ansible.cfg, ~/.ssh/config) would weaken the pinned host key: the same guard every
 * ansible-playbook run passes (src/ssh/pin-guard.ts), so doctor fails where a run is refused.
 */
export async function pinCheck(ctx: DoctorContext): Promise<CheckResult> {
  const base = { id: 'host-key-pin', title: 'host-key pin cannot be bypassed' };
  if (!ctx.loaded) return { ...base, status: 'skip', summary: 'needs a case' };
  const { paths } = ctx.loaded;
  const checkout = checkoutPath(ctx.loaded);
  const input = { hostsFile: paths.hosts, checkout, cwd: checkout, extraArgs: [], env: ctx.env };
  const target = inventoryTarget(paths.hosts);
  const sshProblems = target
    ? await sshConfigProblems(target, paths.knownHosts, extraSshArgs(input), ctx.capture, ctx.env)
    : [];
  const problems = [...pinProblems(input), ...sshProblems];
  if (problems.length === 0) {
    return {
      ...base,
      status: 'pass',
      summary: 'no inventory variable, environment variable, ansible.cfg or ssh config weakens it',
    };
  }
  return {
    ...base,
    status: 'fail',
    summary: `${problems.length} setting(s) would weaken the pinned host key: every playbook run is refused`,
    details: problems,
    fix: "remove them: matrix-oob only trusts the key pinned in the case's known_hosts.",
  };
}
