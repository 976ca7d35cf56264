/**
 * Known problems, as data: a pattern over Ansible's output (the failed task's message, or the
 * tail of the run) and the fix to suggest. Shared by `deploy`, `user add` and `doctor`.
 * docs/troubleshooting.md has one section per hint (its `id` is the anchor).
 */
export interface Hint {
  /** Stable identifier; also the heading anchor in docs/troubleshooting.md. */
  id: string;
  /** Matched against the failure message first, then against the output tail. */
  pattern: RegExp;
  /** One or two sentences: what is wrong and what to do. */
  hint: string;
}

export const HINTS: readonly Hint[] = [
  {
    id: 'missing-galaxy-roles',
    pattern: /the role '(?:galaxy\/)?[\w.-]+' was not found/,
    hint: 'the playbook\'s galaxy roles are not installed: run "matrix-oob playbook fetch" (or, in the checkout, "ansible-galaxy install -r requirements.yml -p roles/galaxy/ --force").',
  },
  {
    id: 'old-ansible',
    pattern:
      /couldn't resolve module\/action '(?:ansible\.builtin\.)?deb822_repository'|deb822_repository|ansible-core (?:version )?(?:>=|is required|[\d.]+ or newer)|Unsupported parameters for \(ansible\.builtin\.\w+\)/,
    hint: 'your Ansible is too old for the playbook: install Ansible with ansible-core 2.15.1 or newer ("pipx install ansible", the full package with community.docker and community.general) and run "matrix-oob doctor".',
  },
  {
    id: 'unknown-host-key',
    pattern:
      /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No (?:ED25519|ECDSA|RSA|DSA) host key is known|host key for .* has changed/i,
    hint: 'the server\'s SSH host key is not in the case\'s pinned known_hosts (or it changed): run "matrix-oob trust-host" and compare the fingerprint with the one your provider shows. Host-key checking is never turned off.',
  },
  {
    id: 'host-vars-mismatch',
    pattern:
      /matrix_homeserver_generic_secret_key must be defined|'matrix_domain' is undefined|matrix_domain is undefined/,
    hint: 'the host variables were not loaded: the host name in inventory/hosts must equal the folder name under inventory/host_vars/ exactly (matrix.<domain>). Run "matrix-oob doctor".',
  },
  {
    id: 'migration-gate',
    pattern: /matrix_playbook_migration_validated_version/,
    hint: 'the playbook\'s migration gate stopped the run: review the breaking changes and run "matrix-oob playbook acknowledge". If vars.yml already sets the version, the host_vars folder name does not match the inventory host name (see host-vars-mismatch).',
  },
  {
    id: 'port-in-use',
    pattern: /(?:address already in use|port is already allocated|Bind for [\d.:]*:(?:80|443|8448) failed)/i,
    hint: 'a port the server needs (80, 443 or 8448) is taken by another program, often a web server: stop and disable it on the server (e.g. "systemctl disable --now nginx apache2"), then run "matrix-oob deploy" again.',
  },
  {
    id: 'renamed-variable',
    pattern:
      /Please rename the variable|host_specific_hostname_identity|matrix_coturn_\w+|matrix_postgres_connection_password|matrix_riot_web_\w+|is deprecated/,
    hint: 'vars.yml uses a variable the playbook renamed: rename it as the message says (docs/troubleshooting.md#renamed-variable lists the old and new names), or regenerate the inventory with "matrix-oob init".',
  },
  {
    id: 'user-exists',
    pattern: /User ID already taken|M_USER_IN_USE/,
    hint: 'this user already exists on the server: keep the existing password, or set a new one with "matrix-oob user add NAME --reset".',
  },
  {
    id: 'ssh-auth',
    pattern: /Permission denied \(publickey[^)]*\)|Too many authentication failures/,
    hint: 'the server refused your SSH key: load the key into ssh-agent ("ssh-add ~/.ssh/id_ed25519") and check server.ssh_user in matrix-oob.yml.',
  },
  {
    id: 'sudo-password',
    pattern: /Missing sudo password|Incorrect sudo password|a password is required/,
    hint: 'sudo on the server asks for a password and matrix-oob runs Ansible without prompts: allow passwordless sudo for server.ssh_user, or set ansible_become_password (vault-encrypted) in vars.yml.',
  },
  {
    id: 'unreachable',
    pattern: /Failed to connect to the host via ssh|Connection (?:refused|timed out)|No route to host/,
    hint: 'the server cannot be reached over SSH: check server.address and server.ssh_port in matrix-oob.yml, and that the server is up and port 22 (or your ssh_port) is open.',
  },
];

/**
 * Lines of a run that report success or progress, not a problem: task headers and the results
 * of tasks that were skipped or passed. They name variables and tasks (MDAD's checks for renamed
 * variables list the old names as loop items) and would match hints falsely.
 */
const NOT_A_PROBLEM = /^\s*(?:TASK \[|PLAY |skipping:|ok:|changed:|included:|\S+\s+: ok=)/;

/** The first hint whose pattern matches the message, or else the problem lines of the output tail. */
export function findHint(message: string, tail = '', hints: readonly Hint[] = HINTS): Hint | undefined {
  const problems = tail
    .split('\n')
    .filter((line) => !NOT_A_PROBLEM.test(line))
    .join('\n');
  return hints.find((h) => h.pattern.test(message)) ?? hints.find((h) => h.pattern.test(problems));
}
