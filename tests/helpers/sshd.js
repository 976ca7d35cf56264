// A real OpenSSH server on loopback: the target host of the fixture playbooks in tests and
// benches. Plain JS (with sshd.d.ts) so bench/ scripts can use it without a TypeScript loader.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A free TCP port on `host` (listen on 0, read it, close). */
export function freePort(host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

function canConnect(host, port) {
  return new Promise((resolve) => {
    const sock = createConnection({ host, port });
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

/** Start sshd with fresh host and client keys in a temporary folder; root logs in by key. */
export async function startSshd(host = '127.0.0.1') {
  const dir = mkdtempSync(join(tmpdir(), 'matrix-oob-sshd-'));
  const hostKey = join(dir, 'ssh_host_ed25519_key');
  const clientKey = join(dir, 'id_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', clientKey]);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${clientKey}.pub`));
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const port = await freePort(host);
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      `ListenAddress ${host}`,
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'StrictModes no',
      'UsePAM no',
      'MaxStartups 50',
      'MaxSessions 50',
      'Subsystem sftp internal-sftp',
      // "Connection from ..." lines: tests check that a refused run never connected.
      'LogLevel VERBOSE',
      '',
    ].join('\n'),
  );
  // The log goes to a file, not a pipe: a test blocked in execFileSync would not drain a pipe,
  // and sshd would hang writing to it.
  const logFile = join(dir, 'sshd.log');
  const child = spawn('/usr/sbin/sshd', ['-D', '-E', logFile, '-f', config], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let startErr = '';
  child.stderr?.on('data', (d) => {
    startErr += d.toString();
  });
  const deadline = Date.now() + 10_000;
  while (!(await canConnect(host, port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      const log = startErr + (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`sshd did not start on ${host}:${port}: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const hostPublicKey = readFileSync(`${hostKey}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ');
  const hostFingerprint = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${hostKey}.pub`], {
    encoding: 'utf8',
  }).split(' ')[1];
  return {
    host,
    port,
    clientKey,
    hostPublicKey,
    hostFingerprint,
    knownHostsLine: `[${host}]:${port} ${hostPublicKey}`,
    dir,
    log() {
      return existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
