import { inventoryHostName } from '../case/paths.js';
import type { Config } from '../config/schema.js';
import { type CaseServer, caseServers } from '../config/servers.js';
import type { SecretKey } from './secrets.js';
import { renderTemplate } from './templates.js';

/** What the vars.yml template needs beyond the config. */
export interface VarsInputs {
  secrets: Record<SecretKey, string>;
  migrationVersion: string;
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
export function renderVars(config: Config, inputs: VarsInputs, target?: CaseServer): Promise<string> {
  const servers = caseServers(config);
  const whitelist =
    servers.length > 1 && config.homeserver === 'synapse' ? servers.map((s) => s.domain) : false;
  const audioVideo = target && !target.isMain ? false : config.audio_video.enabled;
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
    audioVideo,
    externalIps: audioVideo && config.audio_video.external_ip ? [config.audio_video.external_ip] : [],
  });
}
