import { isIPv6 } from 'node:net';
import { inventoryHostName } from '../case/paths.js';
import { callServices } from '../config/calls.js';
import type { Config } from '../config/schema.js';
import { type CaseServer, caseServers } from '../config/servers.js';
import type { JitsiAccount } from './jitsi-accounts.js';
import type { SecretKey } from './secrets.js';
import { renderTemplate } from './templates.js';

/** What the vars.yml template needs beyond the config. */
export interface VarsInputs {
  secrets: Record<SecretKey, string>;
  migrationVersion: string;
  /** Jitsi internal accounts (one per case user); required when Jitsi requires a login. */
  jitsiAccounts?: readonly JitsiAccount[];
}

/** Every server of the case under [matrix_servers], main first (docs/fallback.md). */
export function renderHosts(config: Config): Promise<string> {
  return renderTemplate('hosts', {
    hostName: inventoryHostName(config.domain),
    server: config.server,
    sshPortSet: config.server.ssh_port !== 22,
    fallbacks: caseServers(config)
      .filter((s) => !s.isMain)
      .map((s) => ({ hostName: s.hostName, server: s.server, sshPortSet: s.server.ssh_port !== 22 })),
  });
}

/**
 * The vars.yml of the main server, or of `target` (a fallback: same settings, its own domain,
 * no audio/video). With fallbacks, Synapse federates only with the case's own servers.
 */
export function renderVars(main: Config, inputs: VarsInputs, target?: CaseServer): Promise<string> {
  const servers = caseServers(main);
  const whitelist =
    servers.length > 1 && main.homeserver === 'synapse' ? servers.map((s) => s.domain) : false;
  // A fallback carries the text room only: calls stay on the main server.
  const config: Config =
    target && !target.isMain
      ? { ...main, server: target.server, audio_video: { ...main.audio_video, enabled: false } }
      : main;
  return renderTemplate('vars.yml', {
    domain: target?.domain ?? config.domain,
    federationWhitelist: whitelist,
    homeserver: config.homeserver,
    secrets: {
      generic: inputs.secrets.matrix_homeserver_generic_secret_key,
      postgres: inputs.secrets.postgres_connection_password,
    },
    migrationVersion: inputs.migrationVersion,
    element: config.element,
    serveBaseDomain: config.serve_base_domain,
    letsencryptEmail: config.letsencrypt_email ?? false,
    calls: callServices(config),
    jitsiAccounts: (inputs.jitsiAccounts ?? []).map((a) => ({ username: a.username, password: a.password })),
    externalIps: turnAddresses(config),
  });
}

/** The addresses coturn announces: the IPv4 for TURN, and the server's IPv6 when the case has one. */
export function turnAddresses(config: Pick<Config, 'audio_video' | 'server'>): string[] {
  const out: string[] = [];
  if (config.audio_video.external_ip) out.push(config.audio_video.external_ip);
  const v6 = config.server.ipv6 ?? (isIPv6(config.server.address) ? config.server.address : undefined);
  if (v6 && !out.includes(v6)) out.push(v6);
  return out;
}
