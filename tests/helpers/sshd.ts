import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A real OpenSSH server on loopback, the target host of the fixture playbooks. */
export interface TestSshd {
  host: string;
  port: number;
  /** Private key that logs in as root (pass as ANSIBLE_PRIVATE_KEY_FILE). */
  clientKey: string;
  /** The server's public host key line ("ssh-ed25519 AAAA..."). */
  hostPublicKey: string;
  /** "SHA256:..." as ssh-keygen -l prints it. */
  hostFingerprint: string;
  /** A known_hosts line for this server ("[127.0.0.1]:PORT ssh-ed25519 ..."). */
  knownHostsLine: string;
  dir: string;
  stop(): Promise<void>;
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ host, port });
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

export async function startSshd(host = '127.0.0.1'): Promise<TestSshd> {
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
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', config], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr?.on('data', (d: Buffer) => {
    log += d.toString();
  });
  const deadline = Date.now() + 10_000;
  while (!(await canConnect(host, port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`sshd did not start on ${host}:${port}: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const hostPublicKey = readFileSync(`${hostKey}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ');
  const hostFingerprint = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${hostKey}.pub`], {
    encoding: 'utf8',
  }).split(' ')[1]!;
  return {
    host,
    port,
    clientKey,
    hostPublicKey,
    hostFingerprint,
    knownHostsLine: `[${host}]:${port} ${hostPublicKey}`,
    dir,
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
