import { relative } from 'node:path';
import type { Capture } from '../adapters/process.js';
import { caseRedactor } from '../ansible/case.js';
import type { CasePaths } from '../case/paths.js';
import { type LoadedCase, loadCase } from '../config/load.js';
import { fallbackServers } from '../config/servers.js';
import { UserError } from '../errors.js';
import { checkoutPath } from '../playbook/pin.js';
import { Redactor } from '../secrets/redact.js';
import { checkoutChecks } from './checkout.js';
import type { DoctorContext } from './context.js';
import { inventoryChecks } from './inventory.js';
import { readInventoryState } from './inventory-state.js';
import { migrationCheck } from './migration.js';
import { pinCheck } from './pin.js';
import { playbookChecks } from './playbook-checks.js';
import { type CheckResult, type DoctorReport, summarise } from './report.js';
import { sshCheck } from './ssh.js';
import { checkAnsibleCore, checkCollection, readAnsibleInfo } from './toolchain.js';

export interface DoctorOptions {
  caseDir: string;
  capture: Capture;
  env: NodeJS.ProcessEnv;
  minAnsibleCore: string;
  minCommunityDocker: string;
  sshTimeoutSec: number;
}

/**
 * Run every check; independent ones in parallel. Returns the report and a redactor that knows
 * the case's secrets (the caller passes everything it prints through it).
 */
export async function runDoctor(
  opts: DoctorOptions,
): Promise<{ report: DoctorReport; redactor: Redactor; paths?: CasePaths }> {
  let loaded: LoadedCase | undefined;
  let caseResult: CheckResult;
  const caseBase = { id: 'case', title: 'case folder' };
  try {
    loaded = await loadCase(opts.caseDir);
    caseResult = {
      ...caseBase,
      status: loaded.warnings.length > 0 ? 'warn' : 'pass',
      summary: `${loaded.paths.root} (domain ${loaded.config.domain})`,
      ...(loaded.warnings.length > 0
        ? { details: loaded.warnings, fix: `edit ${relative(process.cwd(), loaded.file) || loaded.file}.` }
        : {}),
    };
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    caseResult = {
      ...caseBase,
      status: 'fail',
      summary: err.message,
      details: [...err.details],
      ...(err.hint ? { fix: err.hint } : {}),
    };
  }
  const inventory = loaded ? readInventoryState(loaded.paths) : Promise.resolve(undefined);
  // Every server's secrets and those MDAD derives from them (read from the checkout once).
  // A vars.yml it cannot read is a check's finding, not a reason to stop: the redactor keeps every
  // secret it can read (an unhandled rejection here crashed doctor while the checks ran).
  const redactor = loaded
    ? caseRedactor(loaded.paths, checkoutPath(loaded), { skipUnreadable: true })
    : Promise.resolve(new Redactor());
  const ctx: DoctorContext = {
    caseDir: opts.caseDir,
    loaded,
    inventory,
    redactor,
    capture: opts.capture,
    env: opts.env,
    minAnsibleCore: opts.minAnsibleCore,
    minCommunityDocker: opts.minCommunityDocker,
    sshTimeoutSec: opts.sshTimeoutSec,
  };
  const toolchain = readAnsibleInfo(opts.capture, opts.env).then(
    async (info): Promise<CheckResult[]> => [
      checkAnsibleCore(info, opts.minAnsibleCore),
      ...(await Promise.all([
        checkCollection(info, 'community.docker', opts.minCommunityDocker, opts.env),
        checkCollection(info, 'community.general', undefined, opts.env),
      ])),
    ],
  );
  const [tools, checkout, inv, migration, mdadChecks, ssh, pin, ...fallbackSsh] = await Promise.all([
    toolchain,
    checkoutChecks(ctx),
    inventoryChecks(ctx),
    migrationCheck(ctx),
    playbookChecks(ctx),
    sshCheck(ctx),
    pinCheck(ctx),
    // Every fallback server too (docs/fallback.md).
    ...(loaded ? fallbackServers(loaded.config).map((s) => sshCheck(ctx, s)) : []),
  ]);
  return {
    report: summarise([
      ...tools,
      caseResult,
      ...checkout,
      ...inv,
      migration,
      mdadChecks,
      pin,
      ssh,
      ...fallbackSsh,
    ]),
    redactor: await redactor,
    ...(loaded ? { paths: loaded.paths } : {}),
  };
}
