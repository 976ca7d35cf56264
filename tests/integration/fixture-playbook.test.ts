import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeFixtureCheckout } from '../helpers/mdad-fixture.js';
import { startSshd, type TestSshd } from '../helpers/sshd.js';

// Proves the test bed itself: the fixture playbook runs through a real sshd with a pinned key,
// and its migration gate and register-user checks behave like MDAD's.
describe('fixture playbook over a real sshd', () => {
  let sshd: TestSshd;
  let dir: string;
  let checkout: string;
  let inventory: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    sshd = await startSshd();
    dir = mkdtempSync(join(tmpdir(), 'matrix-oob-fixture-'));
    checkout = makeFixtureCheckout(join(dir, 'mdad'));
    mkdirSync(join(dir, 'inv/host_vars/matrix.example.test'), { recursive: true });
    inventory = join(dir, 'inv/hosts');
    writeFileSync(
      inventory,
      `[matrix_servers]\nmatrix.example.test ansible_host=${sshd.host} ansible_port=${sshd.port} ansible_ssh_user=root\n`,
    );
    writeFileSync(join(dir, 'known_hosts'), `${sshd.knownHostsLine}\n`);
    env = {
      ...process.env,
      ANSIBLE_PRIVATE_KEY_FILE: sshd.clientKey,
      ANSIBLE_SSH_ARGS: `-o UserKnownHostsFile=${join(dir, 'known_hosts')} -o StrictHostKeyChecking=yes`,
      MDAD_FIXTURE_DATA: join(dir, 'data'),
      ANSIBLE_NOCOLOR: '1',
    };
  });
  afterAll(async () => {
    await sshd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const vars = (extra = '') =>
    writeFileSync(
      join(dir, 'inv/host_vars/matrix.example.test/vars.yml'),
      `matrix_domain: example.test\nmatrix_homeserver_generic_secret_key: '${'a'.repeat(64)}'\npostgres_connection_password: 'p'\nmatrix_playbook_reverse_proxy_type: playbook-managed-traefik\n${extra}`,
    );
  const play = (tags: string, ...args: string[]) =>
    spawnSync('ansible-playbook', ['-i', inventory, 'setup.yml', `--tags=${tags}`, ...args], {
      cwd: checkout,
      env,
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
    expect(readFileSync(join(dir, 'data/installed'), 'utf8')).toContain('domain=example.test');
    expect(readFileSync(join(dir, 'data/started'), 'utf8')).toBe('yes\n');
  });

  it("register-user refuses an unquoted yes, like MDAD's check", () => {
    const r = play('register-user', '-e', 'username=a password=b admin=true');
    expect(r.status).not.toBe(0);
    expect(r.stdout).toContain('need to be provided');
  });

  it('refuses an unknown host key', () => {
    const r = spawnSync('ansible-playbook', ['-i', inventory, 'setup.yml', '--tags=start'], {
      cwd: checkout,
      env: { ...env, ANSIBLE_SSH_ARGS: `-o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes` },
      encoding: 'utf8',
    });
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/Host key verification failed/);
  });

  it('fails without the galaxy roles', () => {
    const bare = makeFixtureCheckout(join(dir, 'bare'), { roles: false });
    const r = spawnSync('ansible-playbook', ['-i', inventory, 'setup.yml', '--tags=start'], {
      cwd: bare,
      env,
      encoding: 'utf8',
    });
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toContain("the role 'galaxy/playbook_help' was not found");
  });
});
