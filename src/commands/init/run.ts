import { dirname, relative, resolve } from 'node:path';
import { readIfExists } from '../../adapters/files.js';
import { journal } from '../../case/journal.js';
import { CONFIG_FILE, casePaths } from '../../case/paths.js';
import { applyPlan, maskSecrets } from '../../case/plan.js';
import type { GlobalOptions } from '../../cli.js';
import { readConfigData, resolveConfigPaths } from '../../config/load.js';
import { parseConfigText, validateConfig } from '../../config/validate.js';
import { UserError } from '../../errors.js';
import { Redactor } from '../../secrets/redact.js';
import type { Output } from '../../ui/output.js';
import { interactivity } from '../../wizard/interactive.js';
import { chooseCaseDir } from './case-dir.js';
import type { InitOptions } from './command.js';
import { flagsToConfig, mergeRaw, type RawConfig } from './flags.js';
import { planInit } from './plan.js';

export interface InitRequest {
  caseDir: string | undefined;
  opts: InitOptions;
  globals: GlobalOptions;
  out: Output;
  /** Called by another command (`up`): no "Next:" advice, that command goes on by itself. */
  embedded?: boolean;
}

/** Prompting is allowed only on a TTY, without --yes, outside CI (the rule: src/wizard/interactive.ts). */
export function canPrompt(globals: GlobalOptions, env = process.env, stdin = process.stdin): boolean {
  return interactivity(globals.yes, stdin, env).interactive;
}

async function gatherRaw(req: InitRequest): Promise<{ raw: RawConfig; source: string; file?: string }> {
  const overrides = flagsToConfig(req.opts);
  if (req.opts.config) {
    const file = resolve(req.opts.config);
    return { raw: mergeRaw(await readConfigData(file), overrides), source: req.opts.config, file };
  }
  const { runWizard } = await import('../../wizard/index.js');
  const { inquirerPrompt } = await import('../../adapters/prompt.js');
  const { interactive, reason } = interactivity(req.globals.yes);
  const raw = await runWizard({
    preset: overrides,
    prompt: inquirerPrompt(),
    interactive,
    ...(reason ? { reason } : {}),
    out: req.out,
  });
  return { raw, source: 'answers' };
}

/** Returns the case folder written (or, with --dry-run, that would be written). */
export async function runInit(req: InitRequest): Promise<{ root: string }> {
  const { out, opts, globals } = req;
  const { raw, source, file } = await gatherRaw(req);
  const validated = validateConfig(raw, source);
  const config = resolveConfigPaths(validated.config, file ? dirname(file) : process.cwd());
  for (const w of validated.warnings) out.warn(w);

  const root = chooseCaseDir(req.caseDir, file, config);
  const paths = casePaths(root, config.domain);
  await refuseDomainChange(paths.config, config.domain);

  // Replaying the case's own matrix-oob.yml keeps that file as it is (comments included).
  const keepConfigFile =
    file !== undefined && resolve(file) === paths.config && Object.keys(flagsToConfig(opts)).length === 0;
  const plan = await planInit(config, paths, keepConfigFile);
  const show = (p: string) => {
    const rel = relative(process.cwd(), p);
    return rel === '' ? '.' : rel.startsWith('..') ? p : rel;
  };

  if (opts.dryRun) {
    out.info(`dry run: nothing is written. Case folder: ${show(paths.root)}`);
    for (const f of plan.files) {
      out.info(
        `\n--- ${show(f.path)} (${f.change}${f.secret ? ', mode 0600, secrets masked' : ', mode 0600'})`,
      );
      out.info(f.secret ? maskSecrets(f.content, plan.secrets).trimEnd() : f.content.trimEnd());
    }
    if (globals.json) out.data(JSON.stringify(summary(plan, paths.root, true), null, 2));
    return { root: paths.root };
  }

  await applyPlan(plan);
  await journal(
    paths.journal,
    { command: 'init', result: 'ok', secrets_created: plan.created, secrets_kept: plan.kept },
    new Redactor(plan.secrets),
  );

  for (const f of plan.files) out.info(`${f.change.padEnd(9)} ${show(f.path)}`);
  if (plan.kept.length > 0) out.info(`kept existing secrets: ${plan.kept.join(', ')}`);
  if (plan.created.length > 0) out.info(`generated secrets: ${plan.created.join(', ')}`);
  for (const f of plan.fallbackSecrets ?? []) {
    const parts = [
      f.created.length > 0 ? `generated ${f.created.join(', ')}` : '',
      f.kept.length > 0 ? `kept ${f.kept.join(', ')}` : '',
    ].filter(Boolean);
    out.info(`${f.host} (fallback): ${parts.join('; ')}`);
  }
  out.info(`migration version ${plan.migrationVersion} (from the ${plan.migrationSource})`);
  if (!req.embedded) {
    out.info(
      `\nNext: create the DNS records, then run "matrix-oob --case ${show(paths.root)} dns check" (see docs/dns.md).`,
    );
  }
  if (globals.json) out.data(JSON.stringify(summary(plan, paths.root, false), null, 2));
  return { root: paths.root };
}

function summary(plan: Awaited<ReturnType<typeof planInit>>, root: string, dryRun: boolean) {
  return {
    case_dir: root,
    dry_run: dryRun,
    files: plan.files.map((f) => ({ path: f.path, change: f.change, secret: f.secret })),
    secrets_created: plan.created,
    secrets_kept: plan.kept,
    migration_version: plan.migrationVersion,
    migration_source: plan.migrationSource,
  };
}

/** MDAD cannot change the domain after installation: a case keeps its domain. */
async function refuseDomainChange(configPath: string, domain: string): Promise<void> {
  const text = await readIfExists(configPath);
  if (text === undefined) return;
  const data = parseConfigText(text, configPath) as { domain?: unknown } | null;
  const previous = typeof data?.domain === 'string' ? data.domain : undefined;
  if (previous && previous !== domain) {
    throw new UserError(
      `this case is for ${previous}, not ${domain}: a server's domain cannot change after installation`,
      {
        hint: `create a new case folder for ${domain} (matrix-oob init <new-dir>), or fix "domain" in ${CONFIG_FILE}.`,
      },
    );
  }
}
