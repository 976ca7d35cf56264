import { relative } from 'node:path';
import type { CaseServer } from '../config/servers.js';
import { probeSsh } from '../ssh/probe.js';
import { describeTarget, sshTarget } from '../ssh/target.js';
import type { DoctorContext } from './context.js';
import type { CheckResult } from './report.js';

/** Log in as Ansible will (BatchMode, the case's known_hosts, strict host-key checking) and run `true`. */
export async function sshCheck(ctx: DoctorContext, fallback?: CaseServer): Promise<CheckResult> {
  const base = fallback
    ? { id: `ssh-${fallback.domain}`, title: `SSH to the fallback ${fallback.domain}` }
    : { id: 'ssh', title: 'SSH to the server' };
  if (!ctx.loaded) return { ...base, status: 'skip', summary: 'needs a case' };
  const inv = await ctx.inventory;
  // A fallback server (docs/fallback.md): its own inventory line and server block.
  const line = fallback
    ? inv?.parsed?.groups.flatMap((g) => g.hosts).find((h) => h.name === fallback.hostName)
    : inv?.host;
  const config = fallback ? { ...ctx.loaded.config, server: fallback.server } : ctx.loaded.config;
  const target = sshTarget(config, line, ctx.env);
  const knownHosts = ctx.loaded.paths.knownHosts;
  const kh = relative(ctx.loaded.paths.root, knownHosts);
  const where = describeTarget(target);
  const r = await probeSsh({ ...target, knownHosts, timeoutSec: ctx.sshTimeoutSec }, ctx.capture);
  const trust = `compare the server's fingerprint with the one your provider's console shows (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub on the server), then run "matrix-oob trust-host${fallback ? ` --server ${fallback.domain}` : ''}" (or with --fingerprint SHA256:...).`;
  switch (r.status) {
    case 'ok':
      return { ...base, status: 'pass', summary: `${where}: logged in; host key matches ${kh}` };
    case 'unknown-host-key':
      return {
        ...base,
        status: 'fail',
        summary: `${where}: the server's host key is not pinned in ${kh}, so every playbook run is refused`,
        fix: trust,
      };
    case 'changed-host-key':
      return {
        ...base,
        status: 'fail',
        summary: `${where}: HOST KEY CHANGED: the server presented ${r.offeredFingerprint ?? 'a key'} that is NOT the one pinned in ${kh}. POSSIBLE MAN-IN-THE-MIDDLE ATTACK: do not deploy or type any password.`,
        details: r.detail,
        fix: `find out why before anything else. Only if you reinstalled the server and verified its new fingerprint out of band (provider console), pin it: "matrix-oob trust-host --fingerprint SHA256:...".`,
      };
    case 'refused':
      return {
        ...base,
        status: 'fail',
        summary: `${where}: connection refused (nothing listens for SSH there)`,
        details: r.detail,
        fix: 'check server.address and server.ssh_port in matrix-oob.yml, that sshd runs on the server, and its firewall.',
      };
    case 'timeout':
      return {
        ...base,
        status: 'fail',
        summary: `${where}: no answer within ${ctx.sshTimeoutSec}s (unreachable)`,
        details: r.detail,
        fix: 'check the address, that the server is up, and firewalls between here and there (SSH port open?).',
      };
    case 'unresolvable':
      return {
        ...base,
        status: 'fail',
        summary: `${where}: the host name does not resolve`,
        details: r.detail,
        fix: "use the server's IP address in server.address (or ansible_host in inventory/hosts), or fix DNS.",
      };
    case 'auth-failed':
      return {
        ...base,
        status: 'fail',
        summary: `${where}: the host key matches, but the login was refused (authentication failed)`,
        details: r.detail,
        fix: `load the key into ssh-agent ("ssh-add ~/.ssh/KEY"; ansible-core 2.21+ cannot ask for a passphrase), or set ANSIBLE_PRIVATE_KEY_FILE; check that the key is in ~${target.user}/.ssh/authorized_keys on the server.`,
      };
    case 'no-ssh':
      return {
        ...base,
        status: 'fail',
        summary: 'ssh is not installed',
        fix: 'install the OpenSSH client (Debian/Ubuntu: apt install openssh-client).',
      };
    default:
      return {
        ...base,
        status: 'fail',
        summary: `${where}: ssh failed`,
        details: r.detail,
        fix: `try by hand: ssh -o UserKnownHostsFile=${knownHosts} -o StrictHostKeyChecking=yes -p ${target.port} ${target.user}@${target.host} true`,
      };
  }
}
