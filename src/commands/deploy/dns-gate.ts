import { journal } from '../../case/journal.js';
import type { Config } from '../../config/schema.js';
import { caseServers, configFor } from '../../config/servers.js';
import { ExitCode, UserError } from '../../errors.js';
import { colourEnabled } from '../../ui/colour.js';
import { nextCommand } from '../../ui/next.js';
import type { Output } from '../../ui/output.js';

/** MATRIX_OOB_SKIP_DNS_CHECK=1 (or true/yes/on) has the effect of --skip-dns-check. */
export const SKIP_DNS_ENV = 'MATRIX_OOB_SKIP_DNS_CHECK';

export function skipDnsRequested(flag: boolean | undefined, env: NodeJS.ProcessEnv): boolean {
  if (flag) return true;
  const v = (env[SKIP_DNS_ENV] ?? '').trim().toLowerCase();
  return ['1', 'true', 'yes', 'on'].includes(v);
}

export interface DnsGateRequest {
  config: Config;
  journalFile: string;
  /** The case folder, for the commands that go on. */
  caseRoot: string;
  /** The calling command, for the journal ("deploy"). */
  command: string;
  out: Output;
  env: NodeJS.ProcessEnv;
  skip: boolean;
}

/**
 * The DNS gate before slow Ansible work (docs/deploy.md, "DNS gate"): one check, no waiting.
 * Not ready: the report on stderr and exit 3, nothing run. Skipped on request, with a warning.
 */
export async function dnsGate(req: DnsGateRequest): Promise<void> {
  const { out } = req;
  if (req.skip) {
    out.warn(
      'DNS check skipped (--skip-dns-check or MATRIX_OOB_SKIP_DNS_CHECK): if a record is missing, the certificates cannot be issued and the deployment will not be reachable.',
    );
    await journal(req.journalFile, { command: req.command, stage: 'dns-gate', result: 'skipped' });
    return;
  }
  const { caseDnsCheck, renderReport, verdictLine } = await import('../../dns/index.js');
  const { recordsText, recordsToCreate } = await import('../../dns/zone-file.js');
  const { cannotSee } = await import('../dns/way-on.js');
  // Every server of the case (docs/fallback.md), checked in parallel.
  const checked = await Promise.all(
    caseServers(req.config).map(async (s) => {
      const config = configFor(req.config, s);
      const needed = recordsToCreate(config);
      const { report } = await caseDnsCheck(config, { env: req.env, note: (t) => out.info(t) }).catch(
        (err: unknown) => {
          throw cannotSee(err, needed, config.domain, req.caseRoot, out, 'deploy');
        },
      );
      return { config, needed, report };
    }),
  );
  const colour = colourEnabled(process.stderr, req.env);
  const ready = checked.every((c) => c.report.ready);
  await journal(req.journalFile, {
    command: req.command,
    stage: 'dns-gate',
    result: ready ? 'ok' : 'failed',
    ...(ready ? {} : { exit_code: ExitCode.NOT_READY }),
    duration_ms: Math.max(...checked.map((c) => c.report.durationMs)),
    problems: checked.flatMap((c) =>
      c.report.findings.filter((f) => f.level === 'error').map((f) => `${f.subject}: ${f.code}`),
    ),
  });
  for (const { report } of checked) {
    // Ready without warnings: one line; otherwise the whole report, so every warning is read.
    if (report.ready && !report.findings.some((f) => f.level !== 'info')) {
      out.info(`DNS: ${verdictLine(report, colour)}`);
    } else {
      out.info(renderReport(report, colour));
    }
  }
  if (ready) return;
  for (const c of checked) {
    if (!c.report.ready) for (const line of recordsText(c.needed, c.config.domain)) out.info(line);
  }
  throw new UserError(`DNS is not ready: ${req.command} did not start, nothing was run`, {
    exitCode: ExitCode.NOT_READY,
    hint: `fix the records shown above (or wait until they are published: ${nextCommand('dns check --wait', req.caseRoot)}), then run it again; if you know they are right (e.g. this network intercepts DNS), --skip-dns-check deploys anyway.`,
    next: nextCommand('deploy', req.caseRoot, '--skip-dns-check'),
    data: { records_to_create: checked.flatMap((c) => c.needed) },
  });
}
