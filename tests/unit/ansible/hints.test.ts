import { findHint, HINTS } from '../../../src/ansible/hints.js';

// One real-looking message per hint; each must select exactly that hint.
const SAMPLES: Record<string, string> = {
  'missing-galaxy-roles':
    "the role 'galaxy/playbook_help' was not found in /srv/mdad/roles:/root/.ansible/roles:/usr/share/ansible/roles",
  'old-ansible':
    "couldn't resolve module/action 'ansible.builtin.deb822_repository'. This often indicates a misspelling, missing collection, or incorrect module path.",
  'unknown-host-key':
    'Failed to connect to the host via ssh: No ED25519 host key is known for [203.0.113.10]:22 and you have requested strict checking.\r\nHost key verification failed.',
  'host-vars-mismatch':
    'matrix_homeserver_generic_secret_key must be defined (and the other required variables)',
  'migration-gate':
    'You need to set matrix_playbook_migration_validated_version in your vars.yml to "v2026.05.18.0" after reviewing the breaking changes.',
  'port-in-use': 'Error starting userland proxy: listen tcp4 0.0.0.0:80: bind: address already in use',
  'renamed-variable':
    "The variable `host_specific_hostname_identity` is deprecated. Please rename the variable (see the playbook's CHANGELOG).",
  'user-exists': 'non-zero return code; stderr: ERROR! User ID already taken.',
  'ssh-auth': 'Failed to connect to the host via ssh: root@203.0.113.10: Permission denied (publickey).',
  'sudo-password': 'Missing sudo password',
  unreachable:
    'Failed to connect to the host via ssh: ssh: connect to host 203.0.113.10 port 22: Connection refused',
};

describe('hints table', () => {
  it('has a sample for every hint', () => {
    expect(Object.keys(SAMPLES).sort()).toEqual(HINTS.map((h) => h.id).sort());
  });
  it.each(Object.entries(SAMPLES))('%s matches its sample', (id, message) => {
    expect(findHint(message)?.id).toBe(id);
  });
  it('every hint names an action', () => {
    for (const h of HINTS) expect(h.hint.length).toBeGreaterThan(40);
  });
  it('returns nothing for an unrelated failure', () => {
    expect(findHint('Fixture start failure', 'TASK [x]\nok: [h]')).toBeUndefined();
    // Skipped checks name old variables as loop items: not a problem, no hint.
    const skipped = [
      'TASK [custom/fixture_server : Fail on variables renamed since the original write-up] ***',
      'skipping: [matrix.example.test] => (item=matrix_coturn_turn_static_auth_secret)',
      'matrix.example.test : ok=5 changed=0 unreachable=0 failed=1',
    ].join('\n');
    expect(findHint('Fixture start failure', skipped)).toBeUndefined();
  });
  it('falls back to the output tail when the message says nothing', () => {
    expect(findHint('exit 4', "ERROR! the role 'galaxy/playbook_help' was not found in x")?.id).toBe(
      'missing-galaxy-roles',
    );
  });
  it('prefers the message over the tail', () => {
    expect(findHint('Missing sudo password', 'Host key verification failed')?.id).toBe('sudo-password');
  });
});
