import { join } from 'node:path';
import { parse } from 'yaml';
import { readIfExists } from '../../adapters/files.js';

/**
 * Which of the checkout's own configuration checks a setup run would execute, read from the
 * checkout itself (never from a copy): every role of setup.yml's play, in order, and for each
 * the `validate_*.yml` task files its tasks/main.yml includes, with the conditions and tags
 * around the include. MDAD's roles all follow that shape (`include_tasks:
 * "{{ role_path }}/tasks/validate_config.yml"` inside a block tagged install-all/setup-all,
 * usually `when: <component>_enabled`), and those files only use fail, assert, set_fact and
 * include_tasks: they run on the operator's machine without touching any server.
 */

/** Tags under which a setup run (install-all or setup-all) executes a task. */
const SETUP_TAGS = new Set(['always', 'install-all', 'setup-all']);
const VALIDATE_FILE = /\/tasks\/(validate_[a-z0-9_]+)\.yml$/;

export interface PlannedRole {
  /** As setup.yml names it: "custom/matrix-synapse", "galaxy/traefik". */
  role: string;
  /** setup.yml's `vars:` for the role (e.g. the docker role's). */
  vars?: Record<string, unknown>;
  /** setup.yml's `when:` for the role. */
  when: string[];
  /** The validate task files (basename without .yml) that a setup run would include, with their conditions. */
  checks: { file: string; when: string[] }[];
}

export interface ChecksPlan {
  hosts: string;
  roles: PlannedRole[];
}

type Task = Record<string, unknown>;

const asList = (v: unknown): string[] =>
  v === undefined || v === null ? [] : Array.isArray(v) ? v.map((x) => String(x)) : [String(v)];

/** Read setup.yml and each role's tasks/main.yml. Undefined when the checkout has no setup.yml play. */
export async function planChecks(checkout: string, playbook = 'setup.yml'): Promise<ChecksPlan | undefined> {
  const text = await readIfExists(join(checkout, playbook));
  if (text === undefined) return undefined;
  const plays = parse(text, { logLevel: 'silent' }) as unknown;
  const play = Array.isArray(plays) ? (plays[0] as Task | undefined) : undefined;
  if (!play || !Array.isArray(play.roles)) return undefined;
  const roles: PlannedRole[] = [];
  for (const entry of play.roles as unknown[]) {
    const spec: Task = typeof entry === 'string' ? { role: entry } : ((entry ?? {}) as Task);
    const role = String(spec.role ?? spec.name ?? '');
    if (role === '') continue;
    const roleTags = asList(spec.tags);
    const main = await readIfExists(join(checkout, 'roles', role, 'tasks', 'main.yml'));
    const checks =
      main === undefined
        ? []
        : findValidateIncludes((parse(main, { logLevel: 'silent' }) as unknown[] | null) ?? [], [], roleTags);
    roles.push({
      role,
      when: asList(spec.when),
      checks,
      ...(spec.vars && typeof spec.vars === 'object' ? { vars: spec.vars as Record<string, unknown> } : {}),
    });
  }
  return { hosts: typeof play.hosts === 'string' ? play.hosts : 'matrix_servers', roles };
}

function findValidateIncludes(tasks: unknown[], when: string[], tags: string[]): PlannedRole['checks'] {
  const found: PlannedRole['checks'] = [];
  for (const item of tasks) {
    if (!item || typeof item !== 'object') continue;
    const task = item as Task;
    const w = [...when, ...asList(task.when)];
    const t = [...tags, ...asList(task.tags)];
    if (Array.isArray(task.block)) {
      found.push(...findValidateIncludes(task.block, w, t));
      continue;
    }
    const include =
      task['ansible.builtin.include_tasks'] ??
      task.include_tasks ??
      task['ansible.builtin.import_tasks'] ??
      task.import_tasks;
    const file = typeof include === 'string' ? include : (include as Task | undefined)?.file;
    const m = typeof file === 'string' ? VALIDATE_FILE.exec(file) : null;
    if (!m) continue;
    // Untagged tasks run only when no tag is asked for; a setup run always asks.
    if (!t.some((tag) => SETUP_TAGS.has(tag))) continue;
    found.push({ file: m[1]!, when: w });
  }
  return found;
}

/** The roles without checks, whose defaults the checks may still read (see checksPlaybook). */
export function defaultsOnly(plan: ChecksPlan): string[] {
  return plan.roles.filter((r) => r.checks.length === 0).map((r) => r.role);
}

/** The playbook that runs the planned checks, and only them, on the controller. */
export function checksPlaybook(plan: ChecksPlan): unknown[] {
  const tasks: Task[] = [];
  for (const r of plan.roles) {
    // A role with checks is imported (static: its defaults and vars join the play as in
    // setup.yml) with only its check files; a role without checks contributes its defaults
    // through group_vars/all (defaultsOnly), which costs no task at all.
    for (const c of r.checks) {
      const when = [...r.when, ...c.when];
      tasks.push({
        name: `${r.role} ${c.file}`,
        'ansible.builtin.import_role': { name: r.role, tasks_from: c.file },
        ...(r.vars ? { vars: r.vars } : {}),
        ...(when.length > 0 ? { when } : {}),
        // Every problem at once, not only the first.
        ignore_errors: true,
      });
    }
  }
  return [
    {
      name: 'matrix-oob: the playbook configuration checks, on this machine',
      hosts: plan.hosts,
      gather_facts: false,
      become: false,
      tasks,
    },
  ];
}
