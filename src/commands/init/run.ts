import { dirname, relative, resolve } from 'node:path';
import { readIfExists } from '../../adapters/files.js';
import { type Capture, capture as realCapture } from '../../adapters/process.js';
import { journal } from '../../case/journal.js';
import { withCaseLock } from '../../case/lock.js';
import { CONFIG_FILE, casePaths } from '../../case/paths.js';
import { applyPlan, maskSecrets } from '../../case/plan.js';
import { readConfigData, resolveConfigPaths } from '../../config/load.js';
import { parseConfigText, validateConfig } from '../../config/validate.js';
import { addressWarnings } from '../../config/validators.js';
import { recordsText, recordsToCreate } from '../../dns/zone-file.js';
import { UserError } from '../../errors.js';
import { Redactor } from '../../secrets/redact.js';
import { nextCommand } from '../../ui/next.js';
import type { Output } from '../../ui/output.js';
import { interactivity } from '../../wizard/interactive.js';
import type { GlobalOptions } from '../context.js';
import { chooseCaseDir } from './case-dir.js';
import type { InitOptions } from './command.js';
import { deployed, keepUnasked, readExistingCase, refuseFileAsFolder, warnIfTracked } from './existing.js';
import { flagsToConfig, mergeRaw, type RawConfig } from './flags.js';
import { planInit } from './plan.js';

export interface InitRequest {
  caseDir: string | undefined;
  opts: InitOptions;
  globals: GlobalOptions;
  out: Output;
  /** Called by another command (`up`): no "Next:" advice, that command goes on by itself. */
  embedded?: boolean;
  capture?: Capture;
}

/** Prompting is allowed only on a TTY, without --yes, outside CI (the rule: src/wizard/interactive.ts). */
export function canPrompt(globals: GlobalOptions, env = process.env, stdin = process.stdin): boolean {
  return interactivity(globals.yes, stdin, env).interactive;
}

async function gatherRaw(
  req: InitRequest,
): Promise<{ raw: RawConfig; source: string; file?: string; checked: boolean }> {
  const overrides = flagsToConfig(req.opts);
  if (req.opts.config) {
    const file = resolve(req.opts.config);
    return {
      raw: mergeRaw(await readConfigData(file), overrides),
      source: req.opts.config,
      file,
      checked: false,
    };
  }
  const { runWizard } = await import('../../wizard/index.js');
  const { inquirerPrompt } = await import('../../adapters/prompt.js');
  const { interactive, reason } = interactivity(req.globals.yes);
  const capture = req.capture ?? realCapture;
  if (req.caseDir) await refuseFileAsFolder(resolve(req.caseDir));
  const known = req.caseDir ? await readExistingCase(resolve(req.caseDir)) : undefined;
  let existing = known;
  const raw = await runWizard({
    preset: overrides,
    prompt: inquirerPrompt(),
    interactive,
    ...(reason ? { reason } : {}),
    out: req.out,
    existing: known,
    // No folder given: the default one for the domain may hold the case being updated.
    findCase: async (domain) => {
      if (req.caseDir) return undefined;
      existing = await readExistingCase(resolve(`matrix-oob-${domain}`));
      return existing;
    },
    // Every check that can run before "Write?" runs before it.
    check: async (answers) => {
      const all = existing ? keepUnasked(existing.raw, answers) : answers;
      const validated = validateConfig(all, 'answers');
      for (const w of [...validated.warnings, ...addressWarnings(validated.config)]) req.out.warn(w);
      const root = chooseCaseDir(req.caseDir, undefined, validated.config);
      await refuseFileAsFolder(root);
      await warnIfTracked(root, capture, req.out);
    },
  });
  return { raw: existing ? keepUnasked(existing.raw, raw) : raw, source: 'answers', checked: interactive };
}

/** Returns the case folder written (or, with --dry-run, that would be written). */
export async function runInit(req: InitRequest): Promise<{ root: string }> {
  const { out, opts, globals } = req;
  const { raw, source, file, checked } = await gatherRaw(req);
  const validated = validateConfig(raw, source);
  const config = resolveConfigPaths(validated.config, file ? dirname(file) : process.cwd());
  const root = chooseCaseDir(req.caseDir, file, config);
  // The wizard ran these checks before its "Write?" question.
  if (!checked) {
    for (const w of [...validated.warnings, ...addressWarnings(config)]) out.warn(w);
    await refuseFileAsFolder(root);
    if (!opts.dryRun) await warnIfTracked(root, req.capture ?? realCapture, out);
  }

  const paths = casePaths(root, config.domain);
  await refuseDomainChange(paths.config, config.domain);

  // Replaying the case's own matrix-oob.yml keeps that file as it is (comments included).
  const keepConfigFile =
    file !== undefined && resolve(file) === paths.config && Object.keys(flagsToConfig(opts)).length === 0;
  const show = (p: string) => {
    const rel = relative(process.cwd(), p);
    return rel === '' ? '.' : rel.startsWith('..') ? p : rel;
  };

  if (opts.dryRun) {
    const plan = await planInit(config, paths, keepConfigFile);
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

  // An existing case: read its secrets and write the new files under the case's lock, so a
  // deploy or another init on the case cannot run in between (a new case has no lock yet).
  const plan = await withCaseLock(paths.root, 'init', async () => {
    const p = await planInit(config, paths, keepConfigFile);
    await applyPlan(p);
    await journal(
      paths.journal,
      { command: 'init', result: 'ok', secrets_created: p.created, secrets_kept: p.kept },
      new Redactor(p.secrets),
    );
    return p;
  });

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
  if (!req.embedded && !globals.json) {
    if (await deployed(paths.state)) {
      out.info(
        `\nNext: the server runs the previous settings; apply these with "${nextCommand('deploy', paths.root)}" (or "${nextCommand('up', paths.root)}").`,
      );
    } else {
      out.info('');
      for (const line of recordsText(recordsToCreate(config), config.domain)) out.info(line);
      out.info(
        `\nNext: create these DNS records ("${nextCommand('dns records', paths.root)}" prints them again), then "${nextCommand('up', paths.root)}" checks them and does the rest (docs/up.md).`,
      );
    }
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
