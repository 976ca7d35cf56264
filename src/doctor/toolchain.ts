import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parse } from 'yaml';
import type { Capture } from '../adapters/process.js';
import { compareVersions } from '../util/version-compare.js';
import type { CheckResult } from './report.js';

/** MDAD's documented minimums (mdad-contract.md section 6). */
export const MIN_ANSIBLE_CORE = '2.15.1';
export const MIN_COMMUNITY_DOCKER = '3.6.0';

/** What one `ansible-playbook --version` tells: the core version and where collections are looked up. */
export interface AnsibleInfo {
  notFound: boolean;
  exitCode: number;
  stderr: string;
  coreVersion?: string;
  /** "ansible collection location" (COLLECTIONS_PATHS: env, ansible.cfg or defaults), in order. */
  collectionPaths: string[];
  /** "ansible python module location": its parent holds the full ansible package's bundled collections. */
  moduleLocation?: string;
}

/** "ansible-playbook [core 2.14.18]" (ansible-core) or "ansible-playbook 2.9.27" (Ansible 2.9). */
export function parseAnsibleCoreVersion(firstLine: string): string | undefined {
  const m =
    /\[core ([0-9][^\]\s]*)\]/.exec(firstLine) ?? /^ansible-playbook ([0-9][^\s]*)/.exec(firstLine.trim());
  return m?.[1];
}

export function parseAnsibleVersionOutput(
  stdout: string,
): Pick<AnsibleInfo, 'coreVersion' | 'collectionPaths' | 'moduleLocation'> {
  const lines = stdout.split('\n');
  const field = (name: string) =>
    lines
      .map((l) => l.trim())
      .find((l) => l.startsWith(`${name} = `))
      ?.slice(name.length + 3)
      .trim();
  const coreVersion = parseAnsibleCoreVersion(lines[0] ?? '');
  const collections = field('ansible collection location');
  const moduleLocation = field('ansible python module location');
  return {
    ...(coreVersion ? { coreVersion } : {}),
    collectionPaths: collections ? collections.split(':').filter(Boolean) : [],
    ...(moduleLocation ? { moduleLocation } : {}),
  };
}

export async function readAnsibleInfo(capture: Capture, env: NodeJS.ProcessEnv): Promise<AnsibleInfo> {
  const r = await capture('ansible-playbook', ['--version'], { env, timeoutMs: 30_000 });
  return {
    notFound: r.notFound,
    exitCode: r.exitCode,
    stderr: r.stderr,
    ...(r.exitCode === 0 ? parseAnsibleVersionOutput(r.stdout) : { collectionPaths: [] }),
  };
}

const INSTALL = (minimum: string) =>
  `install Ansible with ansible-core ${minimum} or newer: "pipx install ansible" (the full package: ansible-core plus community.docker and community.general), or your distribution's "ansible" package if it is recent enough.`;

export function checkAnsibleCore(info: AnsibleInfo, minimum: string): CheckResult {
  const base = { id: 'ansible-core', title: 'ansible-core' };
  if (info.notFound) {
    return {
      ...base,
      status: 'fail',
      summary: 'ansible-playbook is not installed (not found on PATH)',
      fix: INSTALL(minimum),
    };
  }
  const version = info.coreVersion;
  if (info.exitCode !== 0 || !version) {
    return {
      ...base,
      status: 'fail',
      summary: `"ansible-playbook --version" failed (exit ${info.exitCode})`,
      details: info.stderr.split('\n').filter(Boolean).slice(-3),
      fix: 'repair or reinstall Ansible ("pipx reinstall ansible").',
    };
  }
  if (compareVersions(version, minimum) < 0) {
    return {
      ...base,
      status: 'fail',
      summary: `${version} is older than ${minimum}, which the playbook needs (older versions fail mid-run)`,
      fix: 'install a newer Ansible: "pipx install ansible" (or "pipx upgrade ansible"), then check with "ansible-playbook --version".',
    };
  }
  return { ...base, status: 'pass', summary: `${version} (minimum ${minimum})` };
}

export interface FoundCollection {
  root: string;
  version: string;
  bundled: boolean;
}

/**
 * Every copy of a collection (e.g. community.docker) in Ansible's search order: the configured
 * collection paths first, then (unless ANSIBLE_COLLECTIONS_SCAN_SYS_PATH is false) the
 * ansible_collections folder beside the ansible module, where the full "ansible" package puts
 * its bundled collections. The first one is what playbook runs load.
 */
export async function findCollection(
  info: AnsibleInfo,
  env: NodeJS.ProcessEnv,
  name: string,
): Promise<FoundCollection[]> {
  const [namespace = '', collection = ''] = name.split('.');
  const roots = info.collectionPaths.map((p) => ({
    root: basename(p) === 'ansible_collections' ? p : join(p, 'ansible_collections'),
    bundled: false,
  }));
  const scanSys = !/^(false|no|0|off)$/i.test(env.ANSIBLE_COLLECTIONS_SCAN_SYS_PATH ?? 'true');
  if (scanSys && info.moduleLocation)
    roots.push({ root: join(dirname(info.moduleLocation), 'ansible_collections'), bundled: true });
  const found = await Promise.all(
    roots.map(async ({ root, bundled }) => {
      const version = await collectionVersion(join(root, namespace, collection));
      return version ? { root, version, bundled } : undefined;
    }),
  );
  return found.filter((f): f is FoundCollection => f !== undefined);
}

/** MANIFEST.json (installed from Galaxy or a tarball) or galaxy.yml (a source checkout). */
async function collectionVersion(dir: string): Promise<string | undefined> {
  try {
    const manifest = JSON.parse(await readFile(join(dir, 'MANIFEST.json'), 'utf8')) as {
      collection_info?: { version?: unknown };
    };
    const v = manifest.collection_info?.version;
    if (typeof v === 'string') return v;
  } catch {
    // try galaxy.yml
  }
  try {
    const galaxy = parse(await readFile(join(dir, 'galaxy.yml'), 'utf8'), { logLevel: 'silent' }) as {
      version?: unknown;
    };
    return typeof galaxy?.version === 'string' ? galaxy.version : undefined;
  } catch {
    return undefined;
  }
}

/** The collections the playbook calls, and why (mdad-contract.md sections 0 and 6). */
const COLLECTION_USE: Record<string, string> = {
  'community.docker': "the playbook's Docker tasks need it",
  'community.general': "dozens of the playbook's roles call its modules",
};

/**
 * A collection the playbook needs: installed (the first copy in Ansible's search order) and,
 * with a minimum, at least that version. ansible-core alone brings neither community.docker
 * nor community.general; the full "ansible" package bundles both.
 */
export async function checkCollection(
  info: AnsibleInfo,
  name: string,
  minimum: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<CheckResult> {
  const base = { id: name, title: name };
  const spec = minimum ? `'${name}:>=${minimum}'` : name;
  const fix = `install the full Ansible package ("pipx install ansible", which bundles it), or only the collection: ansible-galaxy collection install ${spec}.`;
  if (info.notFound || !info.coreVersion) {
    return { ...base, status: 'skip', summary: 'needs a working ansible-playbook (see "ansible-core")' };
  }
  const found = await findCollection(info, env, name);
  const used = found[0];
  if (!used) {
    return {
      ...base,
      status: 'fail',
      summary: `not installed (${COLLECTION_USE[name] ?? 'the playbook needs it'})`,
      details: [`looked in: ${[...info.collectionPaths].join(', ') || '(no collection paths)'}`],
      fix,
    };
  }
  const where = used.bundled ? ' (bundled with the ansible package)' : '';
  if (minimum && compareVersions(used.version, minimum) < 0) {
    const shadowed = found.slice(1).find((f) => compareVersions(f.version, minimum) >= 0);
    return {
      ...base,
      status: 'fail',
      summary: `${used.version}${where} is older than ${minimum}`,
      details: [
        `found in ${used.root}`,
        ...(shadowed
          ? [`${shadowed.version} in ${shadowed.root} is not used: ${used.root} comes first`]
          : []),
      ],
      fix,
    };
  }
  return {
    ...base,
    status: 'pass',
    summary: `${used.version}${where}${minimum ? ` (minimum ${minimum})` : ''}`,
  };
}
