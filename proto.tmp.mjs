import { planChecks, checksPlaybook } from './dist/playbook/checks/plan.js';
import { stringify } from 'yaml';
import { writeFileSync, mkdirSync, symlinkSync, rmSync } from 'node:fs';
const co = '/tmp/w8mdad/co';
const plan = await planChecks(co);
rmSync('/tmp/w8pb', { recursive: true, force: true });
mkdirSync('/tmp/w8pb');
symlinkSync(co + '/roles', '/tmp/w8pb/roles');
symlinkSync(co + '/group_vars', '/tmp/w8pb/group_vars');
const mode = process.argv[2];
let tasks = [];
for (const r of plan.roles) {
  tasks.push({ 'ansible.builtin.import_role': { name: r.role, tasks_from: 'main' }, when: false });
  if (mode === 'include') for (const c of r.checks) {
    const when = [...r.when, ...c.when];
    tasks.push({ name: `${r.role} ${c.file}`, 'ansible.builtin.include_role': { name: r.role, tasks_from: c.file, apply: { ignore_errors: true } }, ...(r.vars ? { vars: r.vars } : {}), ...(when.length ? { when } : {}) });
  }
}
const pb = mode === 'current' ? checksPlaybook(plan) : [{ name: 'x', hosts: plan.hosts, gather_facts: false, become: false, tasks }];
writeFileSync('/tmp/w8pb/checks.yml', stringify(pb));
