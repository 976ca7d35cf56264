import { join, resolve } from 'node:path';
import { exists } from '../../adapters/files.js';
import { CONFIG_FILE } from '../../case/paths.js';
import { type LoadedCase, loadConfigFile } from '../../config/load.js';
import { caseServers, configFor } from '../../config/servers.js';
import { recordsText, recordsToCreate } from '../../dns/zone-file.js';
import { MIN_ANSIBLE_CORE, MIN_COMMUNITY_DOCKER } from '../../doctor/toolchain.js';
import { ExitCode, InterruptedError, UserError } from '../../errors.js';
import { normaliseFingerprint } from '../../ssh/fingerprint.js';
import type { Output } from '../../ui/output.js';
import type { Outcome } from '../../up/engine.js';
import { looksLikeVersion } from '../../util/version-compare.js';
import { cannotSee, skipHint } from '../dns/way-on.js';
import { chooseCaseDir } from '../init/case-dir.js';
import type { UpRequest } from './run.js';

// What `up` checks and finds before its steps run, and the DNS wait of step 2.

/** Where the case is, and whether `init` must make it (docs/up.md, "Which case"). */
export async function locateCase(
  req: UpRequest,
): Promise<{ root: string; needsInit: boolean; configFile?: string; caseDirArg?: string }> {
  const hasCase = async (dir: string) =>
    (await exists(join(dir, CONFIG_FILE))) && (await exists(join(dir, 'inventory', 'hosts')));
  if (req.opts.config) {
    const loaded = await loadConfigFile(req.opts.config);
    const caseDirArg = req.caseExplicit ? resolve(req.globals.case) : undefined;
    const root = chooseCaseDir(caseDirArg, loaded.file, loaded.config);
    return {
      root,
      needsInit: !(await hasCase(root)),
      configFile: loaded.file,
      ...(caseDirArg ? { caseDirArg } : {}),
    };
  }
  const root = resolve(req.globals.case);
  if (await exists(join(root, CONFIG_FILE))) {
    return { root, needsInit: !(await hasCase(root)), configFile: join(root, CONFIG_FILE), caseDirArg: root };
  }
  // The wizard: init decides where, unless --case says so.
  return { root, needsInit: true, ...(req.caseExplicit ? { caseDirArg: root } : {}) };
}

export async function waitForRecords(
  loaded: LoadedCase,
  o: {
    timeoutMs: number;
    intervalMs: number;
    env: NodeJS.ProcessEnv;
    signal: AbortSignal;
    out: Output;
    colour: boolean;
    timeoutText: string;
  },
): Promise<Outcome> {
  const { caseDnsCheck, renderReport, verdictLine } = await import('../../dns/index.js');
  const { liveProgress } = await import('../dns/run.js');
  // Every server of the case (docs/fallback.md), one after the other, within one deadline.
  const deadline = Date.now() + o.timeoutMs;
  const notes: string[] = [];
  for (const server of caseServers(loaded.config)) {
    const config = configFor(loaded.config, server);
    const progress = liveProgress(process.stderr, o.out);
    let report: Awaited<ReturnType<typeof caseDnsCheck>>['report'];
    try {
      ({ report } = await caseDnsCheck(config, {
        env: o.env,
        signal: o.signal,
        note: (t) => o.out.info(`    ${t}`),
        wait: {
          timeoutMs: Math.max(1000, deadline - Date.now()),
          intervalMs: o.intervalMs,
          onRound: progress.round,
        },
      }));
    } catch (err) {
      if (o.signal.aborted) throw new InterruptedError('stopped waiting for DNS');
      // The check cannot see the records (e.g. the network intercepts DNS): what to create, and
      // --skip-dns-check as the way on.
      throw cannotSee(err, recordsToCreate(config), config.domain, loaded.paths.root, o.out);
    } finally {
      progress.stop();
    }
    if (!report.ready) {
      o.out.info(renderReport(report, o.colour));
      for (const line of recordsText(recordsToCreate(config), config.domain)) o.out.info(line);
      throw new UserError(
        `DNS is still not ready after ${o.timeoutText}: nothing was changed on the server`,
        {
          exitCode: ExitCode.NOT_READY,
          hint: `${skipHint(loaded.paths.root)} --dns-timeout waits longer.`,
          data: { records_to_create: recordsToCreate(config) },
        },
      );
    }
    if (report.findings.some((f) => f.level !== 'info')) o.out.info(renderReport(report, o.colour));
    notes.push(verdictLine(report, o.colour));
  }
  return { note: notes.join('; ') };
}

export function checkFingerprint(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const fp = normaliseFingerprint(text);
  if (!fp) {
    throw new UserError(`--fingerprint: "${text}" is not a SHA256 fingerprint`, {
      hint: 'give it as ssh-keygen -lf prints it, e.g. --fingerprint SHA256:mNVRx/T8TaQ+SADYQkQgfCDYprc9uLu4wwOfHgow4k0.',
    });
  }
  return fp;
}

/** doctor's minimum versions: MATRIX_OOB_MIN_ANSIBLE_CORE / _COMMUNITY_DOCKER, as for `doctor`. */
export function doctorMinimums(env: NodeJS.ProcessEnv): {
  minAnsibleCore: string;
  minCommunityDocker: string;
} {
  const pick = (name: string, fallback: string) => {
    const v = env[name];
    if (v === undefined || v === '') return fallback;
    if (!looksLikeVersion(v))
      throw new UserError(`${name}: "${v}" is not a version`, { hint: 'write it like 2.15.1.' });
    return v;
  };
  return {
    minAnsibleCore: pick('MATRIX_OOB_MIN_ANSIBLE_CORE', MIN_ANSIBLE_CORE),
    minCommunityDocker: pick('MATRIX_OOB_MIN_COMMUNITY_DOCKER', MIN_COMMUNITY_DOCKER),
  };
}
