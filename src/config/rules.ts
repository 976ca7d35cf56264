import { type CallStack, callServices, defaultCallStack, stackProblem } from './calls.js';
import { becomeProblem, type FieldIssue, fallbackIssues } from './servers.js';
import { ipv4Problem, localpartProblem } from './validators.js';

/**
 * Why srv_delegation: true is refused. MDAD's docs/howto-srv-server-delegation.md: SRV
 * delegation with the playbook's Traefik needs a wildcard certificate, hence a DNS-01 ACME
 * challenge with the DNS provider's API credentials, custom Traefik labels per homeserver and
 * coturn changes; a half-configured SRV setup fails federation certificate checks.
 */
export const SRV_DELEGATION_REFUSED =
  "is not supported: SRV delegation needs a wildcard certificate from a DNS-01 challenge with your DNS provider's API credentials (MDAD's docs/howto-srv-server-delegation.md), which matrix-oob does not set up. Remove srv_delegation: federation then uses https://<domain>/.well-known/matrix/server (keep serve_base_domain: true, or serve that file from the base domain's own web server)";

/** The partly validated config the cross-field rules read: every field may be missing or wrong. */
export interface PartialConfig {
  domain?: unknown;
  server?: { address?: unknown; ssh_user?: unknown; become?: unknown } | undefined;
  homeserver?: unknown;
  srv_delegation?: unknown;
  users?: unknown;
  recorder?: { enabled?: unknown; name?: unknown } | undefined;
  audio_video?:
    | {
        enabled?: boolean;
        stack?: CallStack | undefined;
        external_ip?: string | undefined;
        jitsi_allow_anonymous?: boolean | undefined;
      }
    | undefined;
  fallback?: unknown;
}

/**
 * The rules between fields. They run even when single fields failed, so every problem is
 * reported at once; they read the partial value defensively.
 */
export function crossFieldIssues(cfg: PartialConfig): FieldIssue[] {
  const out: FieldIssue[] = [];
  const srv = cfg.server;
  const become = becomeProblem(srv);
  if (become) out.push({ path: ['server', 'become'], message: become });
  const users = Array.isArray(cfg.users) ? cfg.users : [];
  const seen = new Set<string>();
  users.forEach((u, i) => {
    if (typeof u?.name !== 'string') return;
    if (typeof cfg.domain === 'string' && localpartProblem(u.name) === undefined) {
      const problem = localpartProblem(u.name, cfg.domain);
      if (problem) out.push({ path: ['users', i, 'name'], message: problem });
    }
    if (seen.has(u.name)) {
      out.push({ path: ['users', i, 'name'], message: `"${u.name}" is listed twice: remove one` });
    }
    seen.add(u.name);
    const rec = cfg.recorder;
    if (rec?.enabled !== false && u.name === (rec?.name ?? 'recorder')) {
      out.push({
        path: ['users', i, 'name'],
        message: `"${u.name}" is the recorder's account (recorder.name): rename this user, or set recorder.name to another name`,
      });
    }
  });
  if (cfg.srv_delegation === true) {
    out.push({ path: ['srv_delegation'], message: SRV_DELEGATION_REFUSED });
  }
  for (const issue of fallbackIssues(cfg)) out.push(issue);
  const av = cfg.audio_video;
  const hs = cfg.homeserver;
  const stackIssue = av?.enabled === true && typeof hs === 'string' ? stackProblem(av.stack, hs) : undefined;
  if (stackIssue) out.push({ path: ['audio_video', 'stack'], message: stackIssue });
  // MDAD's Jitsi role refuses internal auth without accounts, and the accounts are the users'.
  if (
    av?.enabled === true &&
    typeof hs === 'string' &&
    callServices({ audio_video: { ...av, enabled: true }, homeserver: hs }).jitsiAuth &&
    users.length === 0
  ) {
    out.push({
      path: ['users'],
      message:
        'is empty, but Jitsi requires a login and its accounts are the case users: add at least one user (users: [{ name: analyst1, admin: true }])',
    });
  }
  const stack = av?.stack ?? (typeof hs === 'string' ? defaultCallStack(hs) : undefined);
  if (
    av?.enabled === true &&
    stack !== 'element-call' &&
    !av.external_ip &&
    typeof srv?.address === 'string' &&
    ipv4Problem(srv.address)
  ) {
    out.push({
      path: ['audio_video', 'external_ip'],
      message:
        "is required for Jitsi's TURN relay (coturn) when server.address is not an IPv4 address: set the server's public IPv4 address",
    });
  }

  return out;
}
