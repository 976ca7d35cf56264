import { relative } from 'node:path';
import { inventoryHostName } from '../case/paths.js';
import type { Config } from '../config/schema.js';
import { caseServers } from '../config/servers.js';
import { didYouMean } from '../config/validators.js';
import type { DoctorContext } from './context.js';
import { OLD_SERVER_GROUP, SERVER_GROUP } from './inventory-state.js';
import type { CheckResult } from './report.js';

/** Inventory consistency: the group, host_vars beside the host name, renamed variables. */
export async function inventoryChecks(ctx: DoctorContext): Promise<CheckResult[]> {
  const group = { id: 'inventory-group', title: 'inventory group' };
  const hostVars = { id: 'host-vars', title: 'host_vars folder' };
  const renamed = { id: 'renamed-variables', title: 'variable names' };
  const inv = await ctx.inventory;
  if (!inv || !ctx.loaded) {
    const skip = { status: 'skip' as const, summary: 'needs a case (see "case")' };
    return [
      { ...group, ...skip },
      { ...hostVars, ...skip },
      { ...renamed, ...skip },
    ];
  }
  const rel = (p: string) => relative(ctx.loaded!.paths.root, p) || '.';
  const results: CheckResult[] = [];

  // 1. [matrix_servers]
  if (!inv.parsed) {
    const missing = { status: 'fail' as const, summary: `${rel(inv.hostsFile)} is missing` };
    return [
      { ...group, ...missing, fix: 'write the inventory with "matrix-oob init".' },
      { ...hostVars, status: 'skip', summary: 'needs inventory/hosts' },
      { ...renamed, status: 'skip', summary: 'needs inventory/hosts' },
    ];
  }
  const groups = inv.parsed.groups;
  const modern = groups.find((g) => g.name === SERVER_GROUP);
  const old = groups.find((g) => g.name === OLD_SERVER_GROUP);
  if (old && old.hosts.length > 0) {
    results.push({
      ...group,
      status: 'fail',
      summary: `[${OLD_SERVER_GROUP}] (with a dash) was renamed [${SERVER_GROUP}] in 2019: its host is silently not targeted`,
      fix: `in ${rel(inv.hostsFile)} line ${old.line}, rename the section to [${SERVER_GROUP}].`,
    });
  } else if (!modern || modern.hosts.length === 0) {
    const near = didYouMean(
      SERVER_GROUP,
      groups.map((g) => g.name),
    );
    results.push({
      ...group,
      status: 'fail',
      summary: `no host in [${SERVER_GROUP}]${near && near !== SERVER_GROUP ? ` (found [${near}])` : ''}: the playbook targets nothing`,
      fix: `put the server under a [${SERVER_GROUP}] section in ${rel(inv.hostsFile)}, e.g. "matrix.${ctx.loaded.config.domain} ansible_host=${ctx.loaded.config.server.address} ansible_ssh_user=root" (or rewrite it with "matrix-oob init").`,
    });
  } else if (modern.hosts.length > 1 && !sameHosts(modern.hosts, ctx.loaded.config)) {
    results.push({
      ...group,
      status: 'warn',
      summary: `[${SERVER_GROUP}] has ${modern.hosts.length} hosts; a case drives one server`,
      fix: `keep only ${inventoryHostName(ctx.loaded.config.domain)} in ${rel(inv.hostsFile)}.`,
    });
  } else {
    results.push({
      ...group,
      status: 'pass',
      summary: `[${SERVER_GROUP}]: ${modern.hosts.map((h) => h.name).join(', ')}`,
    });
  }

  // 2. host_vars/<host>/
  const host = inv.host;
  if (!host) {
    results.push({ ...hostVars, status: 'skip', summary: 'no inventory host' });
  } else if (!inv.hostVarsEntries.includes(host.name)) {
    const others = inv.hostVarsEntries;
    const guess =
      others.find((o) => o.toLowerCase() === host.name.toLowerCase()) ??
      didYouMean(host.name, others) ??
      (others.length === 1 ? others[0] : undefined);
    results.push({
      ...hostVars,
      status: 'fail',
      summary: `inventory host "${host.name}" has no folder ${rel(inv.hostVarsDir)}/${host.name}/: its vars are silently not loaded`,
      details: others.length > 0 ? [`${rel(inv.hostVarsDir)}/ has: ${others.join(', ')}`] : [],
      fix: guess
        ? `the names must match exactly: rename the folder (mv "${rel(inv.hostVarsDir)}/${guess}" "${rel(inv.hostVarsDir)}/${host.name}") or the host in ${rel(inv.hostsFile)}.`
        : `create ${rel(inv.hostVarsDir)}/${host.name}/vars.yml (matrix-oob init writes it).`,
    });
  } else if (!inv.varsFile) {
    results.push({
      ...hostVars,
      status: 'fail',
      summary: `${rel(inv.hostVarsDir)}/${host.name}/vars.yml is missing`,
      fix: 'write it with "matrix-oob init".',
    });
  } else {
    const expected = inventoryHostName(ctx.loaded.config.domain);
    const mode = inv.varsMode ?? 0o600;
    results.push(
      host.name !== expected
        ? {
            ...hostVars,
            status: 'warn',
            summary: `host_vars matches the host "${host.name}", but matrix-oob.yml implies "${expected}"`,
            fix: `check domain in matrix-oob.yml; matrix-oob's other commands expect ${expected}.`,
          }
        : (mode & 0o077) !== 0
          ? {
              ...hostVars,
              status: 'warn',
              summary: `${rel(inv.varsFile)} matches the host, but other users can read it (mode ${mode.toString(8).padStart(4, '0')}) and it holds secrets`,
              fix: `chmod 600 "${rel(inv.varsFile)}"`,
            }
          : {
              ...hostVars,
              status: 'pass',
              summary: `${rel(inv.hostVarsDir)}/${host.name}/ matches the host`,
            },
    );
  }

  // 3. Variables renamed since the original write-up (mdad-contract.md section 3).
  if (inv.varsProblem) {
    results.push({
      ...renamed,
      status: 'fail',
      summary: `${rel(inv.varsFile ?? 'vars.yml')} ${inv.varsProblem}`,
      fix: 'fix the YAML at that place (the file holds secrets, so it is not shown here).',
    });
  } else if (!inv.vars) {
    results.push({ ...renamed, status: 'skip', summary: "needs the host's vars.yml" });
  } else {
    const found = findRenamed(Object.keys(inv.vars));
    const failing = found.filter((f) => f.severity === 'fail');
    if (found.length === 0) {
      results.push({ ...renamed, status: 'pass', summary: 'no renamed or removed variables' });
    } else {
      results.push({
        ...renamed,
        status: failing.length > 0 ? 'fail' : 'warn',
        summary: `${found.length} old variable name${found.length === 1 ? '' : 's'} in ${rel(inv.varsFile!)}`,
        details: found.map((f) => `${f.name}: ${f.advice}`),
        fix: `edit ${rel(inv.varsFile!)} as listed above (rename, or delete the line).`,
      });
    }
  }
  return results;
}

export interface RenamedVariable {
  name: string;
  severity: 'fail' | 'warn';
  advice: string;
}

/** Old names from the 2018-19 write-up and later renames; names only, never values. */
export function findRenamed(keys: readonly string[]): RenamedVariable[] {
  const out: RenamedVariable[] = [];
  for (const name of keys) {
    if (name === 'host_specific_hostname_identity') {
      out.push({
        name,
        severity: 'fail',
        advice: 'renamed matrix_domain in 2019; the run fails ("Please rename the variable")',
      });
    } else if (name === 'host_specific_matrix_ssl_support_email') {
      out.push({
        name,
        severity: 'warn',
        advice:
          'removed and silently ignored; the ACME e-mail is optional now (traefik_config_certificatesResolvers_acme_email)',
      });
    } else if (name === 'matrix_postgres_connection_password') {
      out.push({ name, severity: 'fail', advice: 'renamed postgres_connection_password; the run fails' });
    } else if (name.startsWith('matrix_coturn_')) {
      const modern =
        name === 'matrix_coturn_turn_static_auth_secret'
          ? 'derived from the generic secret (delete the line)'
          : `renamed ${name.replace(/^matrix_coturn_/, 'coturn_')}`;
      out.push({
        name,
        severity: 'fail',
        advice: `coturn variables lost the matrix_ prefix in 2026-02; ${modern}; the run fails`,
      });
    } else if (name.startsWith('matrix_riot_web_')) {
      out.push({
        name,
        severity: 'fail',
        advice: `Riot became Element in 2020: use ${name.replace(/^matrix_riot_web_/, 'matrix_client_element_')}; the run fails`,
      });
    } else if (name === 'matrix_synapse_macaroon_secret_key') {
      out.push({
        name,
        severity: 'warn',
        advice:
          'derived from matrix_homeserver_generic_secret_key since 2022; when set it overrides the derivation (delete it on a new server)',
      });
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** The group lists exactly the case's servers (main and fallbacks: docs/fallback.md). */
function sameHosts(hosts: readonly { name: string }[], config: Config): boolean {
  const wanted = caseServers(config)
    .map((s) => s.hostName)
    .sort();
  const got = hosts.map((h) => h.name).sort();
  return wanted.length > 1 && wanted.join(',') === got.join(',');
}
