import { failedHosts } from '../../ansible/host-limit.js';
import type { PlaybookResult } from '../../ansible/run.js';

/** What deploy reports about its stages: per host, and as --json. */

/** Several servers: which hosts a stage failed on, how many it covered, and any --limit. */
export function hostFields(result: PlaybookResult, limit: string[] | undefined) {
  const hosts = Object.keys(result.recap).length;
  const failed = failedHosts(result.recap);
  return {
    ...(hosts > 1 || limit ? { hosts } : {}),
    ...(failed.length > 0 ? { failed_hosts: failed } : {}),
    ...(limit ? { limit } : {}),
  };
}

export function jsonResult(
  results: { stage: string; result: PlaybookResult }[],
  skipped: string[],
  ok: boolean,
) {
  return {
    ok,
    skipped,
    stages: results.map(({ stage, result }) => ({
      stage,
      exit_code: result.exitCode,
      duration_ms: result.durationMs,
      recap: result.recap,
      log: result.logFile,
      ...(result.failure ? { failure: result.failure } : {}),
      ...(result.hint ? { hint: result.hint.id } : {}),
    })),
  };
}
