import type { Capture } from '../adapters/process.js';
import { compareVersions } from '../util/version-compare.js';
import type { CheckResult } from './report.js';

/** MDAD's documented minimums (mdad-contract.md section 6). */
export const MIN_ANSIBLE_CORE = '2.15.1';
export const MIN_COMMUNITY_DOCKER = '3.6.0';

/** "ansible-playbook [core 2.14.18]" (ansible-core) or "ansible-playbook 2.9.27" (Ansible 2.9). */
export function parseAnsibleCoreVersion(firstLine: string): string | undefined {
  const m =
    /\[core ([0-9][^\]\s]*)\]/.exec(firstLine) ?? /^ansible-playbook ([0-9][^\s]*)/.exec(firstLine.trim());
  return m?.[1];
}

export async function checkAnsibleCore(
  capture: Capture,
  minimum: string,
  env: NodeJS.ProcessEnv,
): Promise<CheckResult> {
  const base = { id: 'ansible-core', title: 'ansible-core' };
  const r = await capture('ansible-playbook', ['--version'], { env, timeoutMs: 30_000 });
  if (r.notFound) {
    return {
      ...base,
      status: 'fail',
      summary: 'ansible-playbook is not installed (not found on PATH)',
      fix: `install Ansible ${minimum} or newer: "pipx install ansible" (brings ansible-core and community.docker), or your distribution's package if it is recent enough.`,
    };
  }
  const version = parseAnsibleCoreVersion(r.stdout.split('\n')[0] ?? '');
  if (r.exitCode !== 0 || !version) {
    return {
      ...base,
      status: 'fail',
      summary: `"ansible-playbook --version" failed (exit ${r.exitCode})`,
      details: r.stderr.split('\n').filter(Boolean).slice(-3),
      fix: 'repair or reinstall Ansible ("pipx reinstall ansible").',
    };
  }
  if (compareVersions(version, minimum) < 0) {
    return {
      ...base,
      status: 'fail',
      summary: `${version} is older than ${minimum}, which the playbook needs (older versions fail mid-run)`,
      fix: `install a newer Ansible: "pipx install ansible" (or "pipx upgrade ansible"), then check with "ansible-playbook --version".`,
    };
  }
  return { ...base, status: 'pass', summary: `${version} (minimum ${minimum})` };
}

export async function checkCommunityDocker(
  capture: Capture,
  minimum: string,
  env: NodeJS.ProcessEnv,
): Promise<CheckResult> {
  const base = { id: 'community.docker', title: 'community.docker' };
  const fix = `install it: ansible-galaxy collection install 'community.docker:>=${minimum}' (or install the full "ansible" package, which bundles it).`;
  const r = await capture('ansible-galaxy', ['collection', 'list', 'community.docker', '--format', 'json'], {
    env,
    timeoutMs: 60_000,
  });
  if (r.notFound) {
    return { ...base, status: 'fail', summary: 'ansible-galaxy is not installed', fix };
  }
  let found: { path: string; version: string }[] = [];
  if (r.exitCode === 0) {
    try {
      const data = JSON.parse(r.stdout || '{}') as Record<string, Record<string, { version?: string }>>;
      // Keys are the collection paths in Ansible's search order: the first one is what runs use.
      found = Object.entries(data).flatMap(([path, cols]) => {
        const v = cols?.['community.docker']?.version;
        return typeof v === 'string' ? [{ path, version: v }] : [];
      });
    } catch {
      return {
        ...base,
        status: 'fail',
        summary: 'could not read "ansible-galaxy collection list" output',
        fix,
      };
    }
  }
  const used = found[0];
  if (!used) {
    return { ...base, status: 'fail', summary: "not installed (needed by the playbook's Docker tasks)", fix };
  }
  const where = /(site|dist)-packages\/ansible_collections/.test(used.path)
    ? ' (bundled with the ansible package)'
    : '';
  if (compareVersions(used.version, minimum) < 0) {
    return {
      ...base,
      status: 'fail',
      summary: `${used.version}${where} is older than ${minimum}`,
      details: [`found in ${used.path}`],
      fix,
    };
  }
  return { ...base, status: 'pass', summary: `${used.version}${where} (minimum ${minimum})` };
}
