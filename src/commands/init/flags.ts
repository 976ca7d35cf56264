import type { RawConfig } from '../../config/raw.js';
import { UserError } from '../../errors.js';
import type { InitOptions } from './command.js';

export { mergeRaw, type RawConfig } from '../../config/raw.js';

/**
 * Turn `init` flags into a partial config. Flags answer the wizard's questions, and in
 * --config mode they override the file's values.
 */
export function flagsToConfig(opts: InitOptions): RawConfig {
  const raw: RawConfig = {};
  const server: NonNullable<RawConfig['server']> = {};
  if (opts.domain !== undefined) raw.domain = opts.domain;
  if (opts.address !== undefined) server.address = opts.address;
  if (opts.sshUser !== undefined) server.ssh_user = opts.sshUser;
  if (opts.sshPort !== undefined) {
    const port = Number(opts.sshPort);
    if (!/^\d+$/.test(opts.sshPort)) {
      throw new UserError(
        `--ssh-port: "${opts.sshPort}" is not a number: give the SSH port, e.g. --ssh-port 22`,
      );
    }
    server.ssh_port = port;
  }
  if (opts.become !== undefined) server.become = opts.become;
  if (opts.ipv6 !== undefined) server.ipv6 = opts.ipv6;
  if (Object.keys(server).length > 0) raw.server = server;
  if (opts.homeserver !== undefined) raw.homeserver = opts.homeserver;
  if (opts.element !== undefined) raw.element = opts.element;
  if (opts.serveBaseDomain !== undefined) raw.serve_base_domain = opts.serveBaseDomain;
  if (opts.srvDelegation !== undefined) raw.srv_delegation = opts.srvDelegation;
  if (opts.audioVideo !== undefined || opts.externalIp !== undefined || opts.callStack !== undefined) {
    raw.audio_video = {};
    if (opts.audioVideo !== undefined) raw.audio_video.enabled = opts.audioVideo;
    if (opts.callStack !== undefined) raw.audio_video.stack = opts.callStack;
    if (opts.externalIp !== undefined) raw.audio_video.external_ip = opts.externalIp;
  }
  if (opts.letsencryptEmail !== undefined) raw.letsencrypt_email = opts.letsencryptEmail;
  if (opts.user && opts.user.length > 0) {
    raw.users = opts.user.map((spec) => {
      const [name = '', role, ...rest] = spec.split(':');
      if (rest.length > 0 || (role !== undefined && role !== 'admin')) {
        throw new UserError(
          `--user: "${spec}" is not NAME or NAME:admin: e.g. --user analyst1:admin --user analyst2`,
        );
      }
      return { name, admin: role === 'admin' };
    });
  }
  if (opts.playbook !== undefined) raw.playbook = { path: opts.playbook };
  return raw;
}
