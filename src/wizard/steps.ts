import type { Step } from './step-kit.js';
import { audioVideo, element, homeserver, letsencryptEmail, serveBaseDomain } from './steps/features.js';
import { playbook, users } from './steps/people.js';
import { address, become, domain, ipv6, sshPort, sshUser } from './steps/server.js';

/**
 * The wizard: an ordered list of steps over one context (./step-kit.ts). Each step fills its
 * part of `ctx.answers`: from the flag that answers it (`ctx.preset`), else from the user, else
 * (not interactive) from the declared default, or it records the value as missing. Steps only
 * ask; they write nothing. The steps live by topic in ./steps/.
 */

export type { Step } from './step-kit.js';
export * from './steps/features.js';
export * from './steps/people.js';
export * from './steps/server.js';

/** The questions, in the order they are asked. */
export const STEPS: readonly Step[] = [
  { name: 'domain', run: domain },
  { name: 'server.address', run: address },
  { name: 'server.ssh_user', run: sshUser },
  { name: 'server.ssh_port', run: sshPort },
  { name: 'server.become', run: become },
  { name: 'server.ipv6', run: ipv6 },
  { name: 'homeserver', run: homeserver },
  { name: 'element', run: element },
  { name: 'serve_base_domain', run: serveBaseDomain },
  { name: 'audio_video', run: audioVideo },
  { name: 'letsencrypt_email', run: letsencryptEmail },
  { name: 'users', run: users },
  { name: 'playbook', run: playbook },
];
