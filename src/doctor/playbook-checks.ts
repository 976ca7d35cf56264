import { join, relative } from 'node:path';
import { type LocalChecksResult, runLocalChecks } from '../playbook/checks/run.js';
import { VALIDATED_VERSION_VAR } from '../playbook/migration.js';
import { checkoutWithVars } from './checkout.js';
import type { DoctorContext } from './context.js';
import type { CheckResult } from './report.js';

/**
 * The checkout's own configuration checks (every role's validate_*.yml that a setup run would
 * execute), run here against the case's inventory: what MDAD would refuse after SSH and fact
 * gathering on the server is reported before anything touches it.
 */
export async function playbookChecks(ctx: DoctorContext): Promise<CheckResult> {
  const base = { id: 'playbook-checks', title: "playbook's own checks" };
  const needs = await checkoutWithVars(ctx, base);
  if ('skip' in needs) return needs.skip;
  const { path } = needs;
  const { paths } = needs.loaded;
  // The case's one redactor: every server's vars.yml (fallbacks too, whose checks run here as
  // well), the secrets MDAD derives from the generic key, handed-out passwords.
  const redactor = await ctx.redactor;
  const result = await runLocalChecks({
    checkout: path,
    inventory: paths.hosts,
    capture: ctx.capture,
    env: ctx.env,
    cacheFile: paths.checksCache,
    redact: (t) => redactor.redact(t),
  });
  // A failure on a fallback server is fixed in that server's vars.yml.
  const varsFileOf = (host: string) => {
    const file = join(paths.inventoryDir, 'host_vars', host, 'vars.yml');
    return relative(paths.root, file) || file;
  };
  return judge(result, varsFileOf, base);
}

export function judge(
  result: LocalChecksResult,
  varsFileOf: (host: string) => string,
  base: { id: string; title: string },
): CheckResult {
  const when = result.cached ? 'cached' : `${result.seconds}s`;
  switch (result.status) {
    case 'none':
      return { ...base, status: 'skip', summary: 'the checkout has no validate_*.yml checks' };
    case 'pass':
      return {
        ...base,
        status: 'pass',
        summary: `${result.checks} checks of the checkout's roles pass on this inventory (${when}, run here, no SSH)`,
      };
    case 'error':
      return {
        ...base,
        status: 'warn',
        summary: `the checks could not run: ${result.error ?? 'unknown error'}`,
        fix: 'run "matrix-oob doctor" again; if it persists, the playbook run would fail the same way: read the message above.',
      };
    case 'fail': {
      // Several servers: each line names its host, each fix the vars.yml of the host it failed on.
      const severalHosts = new Set(result.failures.map((f) => f.host)).size > 1;
      const details = result.failures.flatMap((f) => [
        `${f.task}${severalHosts ? ` (on ${f.host})` : ''}: ${firstLines(f.message)}`,
        ...(f.variables[0] ? [`  variable: ${f.variables[0]}`] : []),
      ]);
      const migration = result.failures.some((f) => f.variables[0] === VALIDATED_VERSION_VAR);
      const toFix = new Map<string, Set<string>>();
      for (const f of result.failures) {
        const variable = f.variables[0];
        if (!variable || variable === VALIDATED_VERSION_VAR) continue;
        const file = varsFileOf(f.host);
        toFix.set(file, (toFix.get(file) ?? new Set()).add(variable));
      }
      const files = [...new Set(result.failures.map((f) => varsFileOf(f.host)))];
      const fixes = [
        ...(migration ? ['review the breaking changes with "matrix-oob playbook acknowledge"'] : []),
        ...[...toFix].map(([file, vars]) => `fix ${[...vars].join(', ')} in ${file}`),
      ];
      return {
        ...base,
        status: 'fail',
        summary: `${result.failures.length} of the playbook's own check${result.failures.length === 1 ? '' : 's'} fail${result.failures.length === 1 ? 's' : ''} on this inventory (${when}): the run would stop there`,
        details,
        fix: `${fixes.join('; ') || `fix ${files.join(' and ')} as the message says`}, then run "matrix-oob doctor" again.`,
      };
    }
  }
}

/** The first two non-empty lines of a message, on one line. */
function firstLines(message: string): string {
  const lines = message
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const text = lines.slice(0, 2).join(' ');
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}
