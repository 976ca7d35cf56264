import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureSuite } from '../helpers/fixture-suite.js';
import { makeFixtureCheckout } from '../helpers/mdad-fixture.js';

// Proves the test bed itself: the fixture playbook runs through a real sshd with a pinned key,
// and its migration gate and register-user checks behave like MDAD's.
describe('fixture playbook over a real sshd', () => {
  let inventory: string;

  const bed = fixtureSuite({ name: 'fixture' });

  beforeAll(() => {
    mkdirSync(join(bed.dir, 'inv/host_vars/matrix.example.test'), { recursive: true });
    inventory = join(bed.dir, 'inv/hosts');
    writeFileSync(
      inventory,
      `[matrix_servers]\nmatrix.example.test ansible_host=${bed.sshd.host} ansible_port=${bed.sshd.port} ansible_ssh_user=root\n`,
    );
    writeFileSync(join(bed.dir, 'known_hosts'), `${bed.sshd.knownHostsLine}\n`);
    bed.env.ANSIBLE_SSH_ARGS = `-o UserKnownHostsFile=${join(bed.dir, 'known_hosts')} -o StrictHostKeyChecking=yes`;
    bed.env.ANSIBLE_NOCOLOR = '1';
  });

  const vars = (extra = '') =>
    writeFileSync(
      join(bed.dir, 'inv/host_vars/matrix.example.test/vars.yml'),
      `matrix_domain: example.test\nmatrix_homeserver_generic_secret_key: '${'a'.repeat(64)}'\npostgres_connection_password: 'p'\nmatrix_playbook_reverse_proxy_type: playbook-managed-traefik\n${extra}`,
    );
  const play = (tags: string, ...args: string[]) =>
    spawnSync('ansible-playbook', ['-i', inventory, 'setup.yml', `--tags=${tags}`, ...args], {
      cwd: bed.checkout,
      env: bed.env,
      encoding: 'utf8',
    });

  it('fails at the migration gate when the validated version is missing', () => {
    vars();
    const r = play('start');
    expect(r.status).not.toBe(0);
    expect(r.stdout).toContain('matrix_playbook_migration_validated_version');
  });

  it('installs and starts with a validated version', () => {
    vars('matrix_playbook_migration_validated_version: v2026.05.18.0\n');
    const r = play('install-all,ensure-matrix-users-created,start');
    expect(r.stdout).toContain('failed=0');
    expect(r.status).toBe(0);
    expect(readFileSync(join(bed.dir, 'data/installed'), 'utf8')).toContain('domain=example.test');
    expect(readFileSync(join(bed.dir, 'data/started'), 'utf8')).toBe('yes\n');
  });

  it("register-user refuses an unquoted yes, like MDAD's check", () => {
    const r = play('register-user', '-e', 'username=a password=b admin=true');
    expect(r.status).not.toBe(0);
    expect(r.stdout).toContain('need to be provided');
  });

  it('refuses an unknown host key', () => {
    const r = spawnSync('ansible-playbook', ['-i', inventory, 'setup.yml', '--tags=start'], {
      cwd: bed.checkout,
      env: { ...bed.env, ANSIBLE_SSH_ARGS: `-o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes` },
      encoding: 'utf8',
    });
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/Host key verification failed/);
  });

  it('fails without the galaxy roles', () => {
    const bare = makeFixtureCheckout(join(bed.dir, 'bare'), { roles: false });
    const r = spawnSync('ansible-playbook', ['-i', inventory, 'setup.yml', '--tags=start'], {
      cwd: bare,
      env: bed.env,
      encoding: 'utf8',
    });
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toContain("the role 'galaxy/playbook_help' was not found");
  });
});
