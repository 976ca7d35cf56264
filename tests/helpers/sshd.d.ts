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
  /** sshd's own log so far (LogLevel VERBOSE: one "Connection from" line per connection). */
  log(): string;
  stop(): Promise<void>;
}

export function freePort(host?: string): Promise<number>;
export function startSshd(host?: string): Promise<TestSshd>;
