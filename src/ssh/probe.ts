import type { Capture } from '../adapters/process.js';
import { sshBaseArgs } from './known-hosts.js';

/**
 * Connect to the server the way Ansible will (ssh, BatchMode, the case's known_hosts, strict
 * host-key checking) and run `true`; classify what went wrong from ssh's messages.
 */
export type ProbeStatus =
  | 'ok'
  | 'unknown-host-key'
  | 'changed-host-key'
  | 'refused'
  | 'timeout'
  | 'unresolvable'
  | 'auth-failed'
  | 'no-ssh'
  | 'error';

export interface ProbeResult {
  status: ProbeStatus;
  /** ssh's own last lines (no secrets: ssh prints none). */
  detail: string[];
  /** For a changed key: the fingerprint the server offered. */
  offeredFingerprint?: string;
}

export interface ProbeTarget {
  host: string;
  port: number;
  user: string;
  knownHosts: string;
  identityFile?: string;
  timeoutSec?: number;
}

export function sshProbeArgs(t: ProbeTarget): string[] {
  return [...sshBaseArgs(t, t.timeoutSec ?? 10, ['-o', 'ConnectionAttempts=1']), '--', t.host, 'true'];
}

export function classifySsh(exitCode: number, stderr: string): ProbeResult {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^@+$/.test(l));
  const detail = lines.slice(-4);
  if (exitCode === 0) return { status: 'ok', detail: [] };
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for .* has changed/i.test(stderr)) {
    const m = /(SHA256:[A-Za-z0-9+/]{43})/.exec(stderr);
    return {
      status: 'changed-host-key',
      detail: lines.filter((l) => /has changed|Offending/i.test(l)),
      ...(m ? { offeredFingerprint: m[1] } : {}),
    };
  }
  if (/No \S+ host key is known|Host key verification failed/i.test(stderr)) {
    return { status: 'unknown-host-key', detail };
  }
  if (/Could not resolve hostname/i.test(stderr)) return { status: 'unresolvable', detail };
  if (/Connection refused/i.test(stderr)) return { status: 'refused', detail };
  if (/timed out|No route to host|Network is unreachable/i.test(stderr)) return { status: 'timeout', detail };
  if (/Permission denied|Too many authentication failures/i.test(stderr))
    return { status: 'auth-failed', detail };
  return { status: 'error', detail };
}

export async function probeSsh(target: ProbeTarget, capture: Capture): Promise<ProbeResult> {
  const r = await capture('ssh', sshProbeArgs(target), {
    timeoutMs: ((target.timeoutSec ?? 10) + 10) * 1000,
    env: { ...process.env, LC_ALL: 'C' },
  });
  if (r.notFound) return { status: 'no-ssh', detail: [] };
  return classifySsh(r.exitCode, r.stderr);
}
