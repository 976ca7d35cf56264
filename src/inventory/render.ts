import { isIPv6 } from 'node:net';
import { inventoryHostName } from '../case/paths.js';
import { callServices } from '../config/calls.js';
import type { Config } from '../config/schema.js';
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
