import type { Capture } from '../adapters/process.js';
import { FailureError } from '../errors.js';
import { sha256Fingerprint } from './fingerprint.js';
import type { HostKey } from './known-hosts.js';

const TYPES = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'ssh-rsa'];

/** Parse ssh-keyscan's output ("host type base64" lines); strongest key type first. */
export function parseKeyscan(stdout: string): HostKey[] {
  const keys: HostKey[] = [];
  for (const line of stdout.split('\n')) {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) continue;
    const [, type, key] = t.split(/\s+/);
    if (!type || !key || !/^[A-Za-z0-9+/]+=*$/.test(key)) continue;
    if (keys.some((k) => k.key === key)) continue;
    keys.push({ type, key, fingerprint: sha256Fingerprint(key) });
  }
  const rank = (t: string) => (TYPES.indexOf(t) === -1 ? TYPES.length : TYPES.indexOf(t));
  return keys.sort((a, b) => rank(a.type) - rank(b.type));
}

/** Ask the server for its host keys (ssh-keyscan -t ed25519,ecdsa,rsa). */
export async function keyscan(
  host: string,
  port: number,
  capture: Capture,
  timeoutSec = 10,
): Promise<HostKey[]> {
  const r = await capture(
    'ssh-keyscan',
    ['-p', String(port), '-T', String(timeoutSec), '-t', 'ed25519,ecdsa,rsa', '--', host],
    {
      timeoutMs: (timeoutSec + 5) * 1000,
    },
  );
  if (r.notFound) {
    throw new FailureError('ssh-keyscan is not installed', {
      hint: 'install the OpenSSH client (Debian/Ubuntu: apt install openssh-client).',
    });
  }
  const keys = parseKeyscan(r.stdout);
  if (keys.length === 0) {
    const why = r.stderr
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    throw new FailureError(`no SSH host key received from ${host} port ${port}`, {
      details: why.slice(-3),
      hint: 'check that the server is up, that server.address and server.ssh_port in matrix-oob.yml are right, and that a firewall allows SSH from here.',
    });
  }
  return keys;
}
