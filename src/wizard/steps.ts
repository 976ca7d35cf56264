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
  ...filling('', { domain }),
  ...filling('server', { address, sshUser, sshPort, become, ipv6 }),
  ...filling('', { homeserver, element, serveBaseDomain, audioVideo, letsencryptEmail, users, playbook }),
];

/**
 * Steps named after the config key each fills: its function's name in snake_case, under `section`
 * (`sshUser` in 'server' fills `server.ssh_user`), in the order given.
 */
function filling(section: string, runs: Record<string, Step['run']>): Step[] {
  return Object.entries(runs).map(([fn, run]) => {
    const key = fn.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    return { name: section ? `${section}.${key}` : key, run };
  });
}
