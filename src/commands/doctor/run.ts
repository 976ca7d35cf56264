import { resolve } from 'node:path';
import { type Capture, capture as realCapture } from '../../adapters/process.js';
import { journal } from '../../case/journal.js';
import { runDoctor } from '../../doctor/index.js';
import { renderTable } from '../../doctor/report.js';
import { ExitCode, ExitError, UserError } from '../../errors.js';
import { colourEnabled } from '../../ui/colour.js';
import { nextCommand } from '../../ui/next.js';
import type { Output } from '../../ui/output.js';
import { looksLikeVersion } from '../../util/version-compare.js';
import type { GlobalOptions } from '../context.js';
import type { DoctorFlags } from './command.js';

export interface DoctorRequest {
  flags: DoctorFlags;
  globals: GlobalOptions;
  out: Output;
  capture?: Capture;
  env?: NodeJS.ProcessEnv;
}

export async function runDoctorCommand(req: DoctorRequest): Promise<void> {
  const { flags, globals, out } = req;
  for (const [flag, value] of [
    ['--min-ansible-core', flags.minAnsibleCore],
    ['--min-community-docker', flags.minCommunityDocker],
  ] as const) {
    if (!looksLikeVersion(value)) {
      throw new UserError(`${flag}: "${value}" is not a version`, { hint: `write it like 2.15.1.` });
    }
  }
  const timeout = Number(flags.sshTimeout);
  if (!Number.isInteger(timeout) || timeout < 1 || timeout > 300) {
    throw new UserError(
      `--ssh-timeout: "${flags.sshTimeout}" is not a whole number of seconds from 1 to 300`,
    );
  }
  const { report, redactor, paths } = await runDoctor({
    caseDir: globals.case,
    capture: req.capture ?? realCapture,
    env: req.env ?? process.env,
    minAnsibleCore: flags.minAnsibleCore,
    minCommunityDocker: flags.minCommunityDocker,
    sshTimeoutSec: timeout,
  });
  if (globals.json) {
    // A failure's document comes from the entry point (one shape): the report goes into it.
    if (report.ok) out.data(redactor.redact(JSON.stringify(report, null, 2)));
  } else {
    out.info(redactor.redact(renderTable(report, colourEnabled())));
  }
  if (paths) {
    const failed = report.checks.filter((c) => c.status === 'fail').map((c) => c.id);
    await journal(
      paths.journal,
      { command: 'doctor', result: report.ok ? 'ok' : 'failed', ...(failed.length > 0 ? { failed } : {}) },
      redactor,
    ).catch(() => undefined);
  }
  if (!report.ok) {
    const fails = report.checks.filter((c) => c.status === 'fail').length;
    throw new ExitError(ExitCode.FAILURE, {
      error: `doctor found ${fails} problem${fails === 1 ? '' : 's'}`,
      hint: 'fix each FAIL as its line says, then check again.',
      next: nextCommand('doctor', paths?.root ?? resolve(globals.case)),
      data: JSON.parse(redactor.redact(JSON.stringify(report))) as Record<string, unknown>,
    });
  }
}
