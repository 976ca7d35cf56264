import type { Config } from '../config/schema.js';
import { caseServers, configFor } from '../config/servers.js';
import { controlAlias } from '../control-room/ensure.js';
import { DEFAULT_TIMEOUT_MS, type VerifyOptions, type VerifyReport, verifyDeployment } from './checks.js';
import { type HttpsGet, HttpsGetError, type HttpsGetOptions, httpsGet } from './https.js';

/**
 * verify with fallback servers (docs/fallback.md): every server's deployment, then whether the
 * servers federate with each other. For each ordered pair (A, B), A's client API is asked for
 * #control:B (GET /_matrix/client/v3/directory/room/..., no login needed): A can only answer
 * by asking B over federation, so a room ID equal to B's own answer shows that A reaches B's
 * federation API, trusts its certificate and gets answers (B's whitelist admits A). It does not
 * show that events flow both ways (the drill does) nor anything about servers outside the case.
 */

export interface FederationCheck {
  from: string;
  to: string;
  status: 'ok' | 'fail';
  detail: string;
  fix?: string;
}

export interface ServersReport {
  ok: boolean;
  servers: VerifyReport[];
  federation: FederationCheck[];
}

export async function verifyServers(config: Config, options: VerifyOptions = {}): Promise<ServersReport> {
  const servers = caseServers(config);
  const reports = await Promise.all(servers.map((s) => verifyDeployment(configFor(config, s), options)));
  const federation = await federationPairs(
    servers.map((s) => s.domain),
    options.get ?? httpsGet,
    {
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      ...(options.connectTo ? { connectTo: options.connectTo } : {}),
      ...(options.ca ? { ca: options.ca } : {}),
    },
  );
  const ok = reports.every((r) => r.ok) && federation.every((f) => f.status === 'ok');
  return { ok, servers: reports, federation };
}

/** Each server's answer for each server's #control alias, compared with the alias owner's own answer. */
export async function federationPairs(
  domains: readonly string[],
  get: HttpsGet,
  options: HttpsGetOptions,
): Promise<FederationCheck[]> {
  const ask = async (
    server: string,
    aliasDomain: string,
  ): Promise<{ roomId?: string; problem?: string; status?: number }> => {
    const url = `https://matrix.${server}/_matrix/client/v3/directory/room/${encodeURIComponent(controlAlias(aliasDomain))}`;
    try {
      const res = await get(url, options);
      let parsed: unknown;
      try {
        parsed = JSON.parse(res.body);
      } catch {
        return { problem: `HTTP ${res.status}, not JSON`, status: res.status };
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        return { problem: `HTTP ${res.status}, not a JSON object`, status: res.status };
      const body = parsed as { room_id?: unknown; errcode?: unknown; error?: unknown };
      if (res.status === 200 && typeof body.room_id === 'string') return { roomId: body.room_id };
      return {
        problem: `HTTP ${res.status} ${String(body.errcode ?? '')} ${String(body.error ?? '')}`.trim(),
        status: res.status,
      };
    } catch (err) {
      if (err instanceof HttpsGetError) return { problem: err.message };
      throw err;
    }
  };
  const own = new Map<string, Awaited<ReturnType<typeof ask>>>();
  await Promise.all(domains.map(async (d) => own.set(d, await ask(d, d))));
  const checks: FederationCheck[] = [];
  const pairs = domains.flatMap((from) =>
    domains.filter((to) => to !== from).map((to) => [from, to] as const),
  );
  const answers = await Promise.all(pairs.map(([from, to]) => ask(from, to)));
  pairs.forEach(([from, to], i) => {
    const mine = own.get(to)!;
    const theirs = answers[i]!;
    if (!mine.roomId) {
      checks.push({
        from,
        to,
        status: 'fail',
        detail: `${controlAlias(to)} does not resolve on ${to} itself (${mine.problem})`,
        fix: 'create the room and the aliases with "matrix-oob control-room", then verify again',
      });
    } else if (theirs.roomId === mine.roomId) {
      checks.push({
        from,
        to,
        status: 'ok',
        detail: `${from} resolves ${controlAlias(to)} over federation: ${theirs.roomId}`,
      });
    } else {
      checks.push({
        from,
        to,
        status: 'fail',
        detail: theirs.roomId
          ? `${from} resolves ${controlAlias(to)} to ${theirs.roomId}, ${to} says ${mine.roomId}`
          : `${from} cannot resolve ${controlAlias(to)} (${theirs.problem}): it does not reach ${to} over federation`,
        fix: `check that ${to}'s federation port 8448 answers from ${from}'s network and that both servers list each other in matrix_synapse_federation_domain_whitelist (run "matrix-oob deploy" after "init")`,
      });
    }
  });
  return checks;
}

/** The report lines for the federation part. */
export function renderFederation(checks: readonly FederationCheck[]): string[] {
  if (checks.length === 0) return [];
  const lines = ['Federation between the case servers (each asks the other for its #control alias):'];
  for (const c of checks) {
    lines.push(`  ${c.status === 'ok' ? 'ok  ' : 'FAIL'}  ${c.from} -> ${c.to}`);
    lines.push(`        ${c.detail}`);
    if (c.fix) lines.push(`        fix: ${c.fix}`);
  }
  return lines;
}
