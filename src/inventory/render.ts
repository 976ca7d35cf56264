import { inventoryHostName } from '../case/paths.js';
import type { Config } from '../config/schema.js';
import type { SecretKey } from './secrets.js';
import { renderTemplate } from './templates.js';

/** What the vars.yml template needs beyond the config. */
export interface VarsInputs {
  secrets: Record<SecretKey, string>;
  migrationVersion: string;
}

export function renderHosts(config: Config): Promise<string> {
  return renderTemplate('hosts', {
    hostName: inventoryHostName(config.domain),
    server: config.server,
    sshPortSet: config.server.ssh_port !== 22,
  });
}

export function renderVars(config: Config, inputs: VarsInputs): Promise<string> {
  return renderTemplate('vars.yml', {
    domain: config.domain,
    homeserver: config.homeserver,
    secrets: {
      generic: inputs.secrets.matrix_homeserver_generic_secret_key,
      postgres: inputs.secrets.postgres_connection_password,
    },
    migrationVersion: inputs.migrationVersion,
    element: config.element,
    serveBaseDomain: config.serve_base_domain,
    letsencryptEmail: config.letsencrypt_email ?? false,
    audioVideo: config.audio_video.enabled,
    externalIps: config.audio_video.external_ip ? [config.audio_video.external_ip] : [],
  });
}
