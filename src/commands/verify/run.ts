import { readFile } from 'node:fs/promises';
import { journal } from '../../case/journal.js';
import { loadCase } from '../../config/load.js';
import { ExitCode, ExitError, UserError } from '../../errors.js';
import { nextCommand } from '../../ui/next.js';
import type { Output } from '../../ui/output.js';
import { verifyDeployment } from '../../verify/checks.js';
import { type ConnectTo, parseConnectTo } from '../../verify/https.js';
import { renderVerifyReport, verifyReportJson } from '../../verify/report.js';
import type { GlobalOptions } from '../context.js';
import { requestTimeoutMs } from '../options.js';
import type { VerifyCommandOptions } from './command.js';

export interface VerifyRequest {
  opts: VerifyCommandOptions;
  globals: GlobalOptions;
  out: Output;
}

/** `matrix-oob verify`: exit 0 all checks passed, 1 a check failed, 2 bad usage. */
export async function runVerify({ opts, globals, out }: VerifyRequest): Promise<void> {
  // MATRIX_OOB_CONNECT_TO lets a caller that cannot pass flags (the post-start hook) redirect too.
  const fromEnv = (process.env.MATRIX_OOB_CONNECT_TO ?? '').split(/\s+/).filter(Boolean);
  const connectTo = [
    ...parseConnectToFlags(fromEnv, CONNECT_TO_ENV),
    ...parseConnectToFlags(opts.connectTo, '--connect-to'),
  ];
  const timeoutMs = requestTimeoutMs(opts.timeout, 10);
  const ca = opts.caFile ? [await readCaFile(opts.caFile)] : undefined;
  const { config, paths, warnings } = await loadCase(globals.case);
  for (const w of warnings) out.warn(w);

  if (config.fallback && config.fallback.length > 0) {
    // Several servers (docs/fallback.md): each deployment, then federation between them.
    const { verifyServers, renderFederation } = await import('../../verify/federation.js');
    const all = await verifyServers(config, {
      timeoutMs,
      ...(connectTo.length > 0 ? { connectTo } : {}),
      ...(ca ? { ca } : {}),
    });
    for (const r of all.servers) for (const line of renderVerifyReport(r)) out.info(line);
    for (const line of renderFederation(all.federation)) out.info(line);
    if (globals.json) out.data(JSON.stringify(all, null, 2));
    await journal(paths.journal, {
      command: 'verify',
      result: all.ok ? 'ok' : 'failed',
      exit_code: all.ok ? ExitCode.OK : ExitCode.FAILURE,
      failed_checks: [
        ...all.servers.flatMap((r) =>
          r.checks.filter((c) => c.status === 'fail').map((c) => `${r.domain}:${c.id}`),
        ),
        ...all.federation.filter((f) => f.status === 'fail').map((f) => `federation:${f.from}->${f.to}`),
      ],
    });
    if (!all.ok) throw new ExitError(ExitCode.FAILURE);
    return;
  }
  const report = await verifyDeployment(config, {
    timeoutMs,
    ...(connectTo.length > 0 ? { connectTo } : {}),
    ...(ca ? { ca } : {}),
  });
  for (const line of renderVerifyReport(report)) out.info(line);
  if (globals.json && report.ok) out.data(verifyReportJson(report));
  await journal(paths.journal, {
    command: 'verify',
    result: report.ok ? 'ok' : 'failed',
    exit_code: report.ok ? ExitCode.OK : ExitCode.FAILURE,
    failed_checks: report.checks.filter((c) => c.status === 'fail').map((c) => c.id),
  });
  if (!report.ok) {
    const failed = report.checks.filter((c) => c.status === 'fail').map((c) => c.id);
    throw new ExitError(ExitCode.FAILURE, {
      error: `${failed.length} check${failed.length === 1 ? '' : 's'} from outside failed: ${failed.join(', ')}`,
      hint: 'fix what each FAIL line says (docs/verify.md), then check again.',
      next: nextCommand('verify', paths.root),
      data: JSON.parse(verifyReportJson(report)) as Record<string, unknown>,
    });
  }
}

const CONNECT_TO_ENV = 'MATRIX_OOB_CONNECT_TO';

/** Each HOST:PORT:ADDR:PORT; a bad one names where it came from (the flag or the variable). */
function parseConnectToFlags(specs: readonly string[], from: string): ConnectTo[] {
  return specs.map((spec) => {
    const parsed = parseConnectTo(spec);
    if (!parsed) {
      const example = 'matrix.example.com:443:203.0.113.10:443';
      throw new UserError(`${from} ${JSON.stringify(spec)} is not HOST:PORT:ADDR:PORT`, {
        hint:
          from === CONNECT_TO_ENV
            ? `fix or unset ${CONNECT_TO_ENV}: space-separated HOST:PORT:ADDR:PORT, e.g. ${example}`
            : `write it like curl does, e.g. --connect-to ${example}`,
      });
    }
    return parsed;
  });
}

async function readCaFile(file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(`cannot read --ca-file ${file}: ${code === 'ENOENT' ? 'no such file' : code}`, {
      hint: 'give the path of a PEM file with the CA certificate (or unset MATRIX_OOB_CA_FILE)',
    });
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    throw new UserError(`--ca-file ${file} holds no PEM certificate`, {
      hint: 'give a PEM file that contains "-----BEGIN CERTIFICATE-----" blocks',
    });
  }
  return text;
}
