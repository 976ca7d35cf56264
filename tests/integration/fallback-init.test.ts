import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { runCli, tempDir } from '../helpers/cli.js';
import { realMdadCheckout, realMdadMissing } from '../helpers/real-mdad.js';
import { startSshd } from '../helpers/sshd.js';

const SECRET = /^[A-Za-z0-9]{64}$/;
const varsOf = (caseDir: string, domain: string) =>
  join(caseDir, 'inventory', 'host_vars', `matrix.${domain}`, 'vars.yml');

function writeConfig(dir: string, extra = ''): string {
  const file = join(dir, 'two.yml');
  writeFileSync(
    file,
    [
      'domain: example.com',
      'server:',
      '  address: 203.0.113.10',
      'fallback:',
      '  - domain: other.org',
      '    server:',
      '      address: 198.51.100.20',
      '      ssh_user: deploy',
      '      ssh_port: 2222',
      'audio_video:',
      '  enabled: true',
      'users:',
      '  - name: lead1',
      '    admin: true',
      extra,
    ].join('\n'),
  );
  return file;
}

describe('init with fallback servers', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.cleanup());

  it('writes one hosts file with both hosts and a vars.yml per server with its own secrets', async () => {
    const caseDir = join(tmp.dir, 'case');
    const r = await runCli(['init', '--config', writeConfig(tmp.dir), '--yes', caseDir]);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain(
      'matrix.other.org (fallback): generated matrix_homeserver_generic_secret_key, postgres_connection_password',
    );
    const main = parse(readFileSync(varsOf(caseDir, 'example.com'), 'utf8'));
    const fb = parse(readFileSync(varsOf(caseDir, 'other.org'), 'utf8'));
    expect(main.matrix_domain).toBe('example.com');
    expect(fb.matrix_domain).toBe('other.org');
    for (const v of [main, fb]) {
      expect(v.matrix_homeserver_generic_secret_key).toMatch(SECRET);
      expect(v.postgres_connection_password).toMatch(SECRET);
      expect(v.matrix_synapse_federation_domain_whitelist).toEqual(['example.com', 'other.org']);
    }
    expect(fb.matrix_homeserver_generic_secret_key).not.toBe(main.matrix_homeserver_generic_secret_key);
    expect(fb.postgres_connection_password).not.toBe(main.postgres_connection_password);
    // Calls stay on the main server: the fallback carries the text room only.
    expect(main.matrix_rtc_enabled).toBe(true);
    expect(fb.matrix_rtc_enabled).toBe(false);
    expect(fb.jitsi_enabled).toBe(false);
    expect(fb.coturn_enabled).toBeUndefined();
    expect((statSync(varsOf(caseDir, 'other.org')).mode & 0o777).toString(8)).toBe('600');
    expect((statSync(join(varsOf(caseDir, 'other.org'), '..')).mode & 0o777).toString(8)).toBe('700');
    // No secret reaches the output or the journal.
    const journal = readFileSync(join(caseDir, 'journal.jsonl'), 'utf8');
    for (const s of [fb.matrix_homeserver_generic_secret_key, fb.postgres_connection_password]) {
      expect(r.all + journal).not.toContain(s);
    }

    const list = JSON.parse(
      execFileSync('ansible-inventory', ['-i', join(caseDir, 'inventory/hosts'), '--list'], {
        encoding: 'utf8',
      }),
    );
    expect(list.matrix_servers.hosts).toEqual(['matrix.example.com', 'matrix.other.org']);
    const host = JSON.parse(
      execFileSync(
        'ansible-inventory',
        ['-i', join(caseDir, 'inventory/hosts'), '--host', 'matrix.other.org'],
        {
          encoding: 'utf8',
        },
      ),
    );
    expect(host).toMatchObject({
      ansible_host: '198.51.100.20',
      ansible_port: 2222,
      ansible_ssh_user: 'deploy',
      ansible_become: 'true', // INI inventories give strings; Ansible reads "true" as a boolean
      matrix_domain: 'other.org',
      matrix_homeserver_generic_secret_key: fb.matrix_homeserver_generic_secret_key,
    });
  });

  it('never regenerates a fallback secret; --dry-run masks them', async () => {
    const caseDir = join(tmp.dir, 'case');
    const config = writeConfig(tmp.dir);
    await runCli(['init', '--config', config, '--yes', caseDir]);
    const before = readFileSync(varsOf(caseDir, 'other.org'), 'utf8');
    const secrets = Object.values(parse(before)).filter((v) => typeof v === 'string' && SECRET.test(v));
    expect(secrets).toHaveLength(2);
    const dry = await runCli(['init', '--config', config, '--yes', '--dry-run', caseDir]);
    expect(dry.exitCode).toBe(0);
    expect(dry.all).toContain('inventory/host_vars/matrix.other.org/vars.yml (unchanged');
    for (const s of secrets) expect(dry.all).not.toContain(s as string);
    const again = await runCli([
      'init',
      '--config',
      writeConfig(tmp.dir, 'element: false'),
      '--yes',
      caseDir,
    ]);
    expect(again.exitCode).toBe(0);
    expect(again.stderr).toContain(
      'matrix.other.org (fallback): kept matrix_homeserver_generic_secret_key, postgres_connection_password',
    );
    const after = readFileSync(varsOf(caseDir, 'other.org'), 'utf8');
    for (const s of secrets) expect(after).toContain(s as string);
    expect(parse(after).matrix_client_element_enabled).toBe(false);
  });

  it('refuses a fallback with the main domain: nothing written, exit 2', async () => {
    const caseDir = join(tmp.dir, 'case');
    const file = join(tmp.dir, 'bad.yml');
    writeFileSync(
      file,
      'domain: example.com\nserver: { address: 203.0.113.10 }\nfallback:\n  - domain: example.com\n    server: { address: 198.51.100.20 }\n',
    );
    const r = await runCli(['init', '--config', file, '--yes', caseDir]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(
      'fallback[0].domain: "example.com" is already used by domain: each server needs its own domain',
    );
    expect(() => statSync(caseDir)).toThrow();
  });

  const missing = realMdadMissing();
  (missing ? it.skip : it)(
    'the real playbook (../shared/mdad) sees both hosts with their own variables',
    async () => {
      const caseDir = join(tmp.dir, 'case');
      expect((await runCli(['init', '--config', writeConfig(tmp.dir), '--yes', caseDir])).exitCode).toBe(0);
      const mdad = realMdadCheckout(join(tmp.dir, 'real'));
      const hosts = join(caseDir, 'inventory/hosts');
      const listed = execFileSync('ansible-playbook', ['-i', hosts, 'setup.yml', '--list-hosts'], {
        cwd: mdad,
        encoding: 'utf8',
        env: { ...process.env, ANSIBLE_NOCOLOR: '1' },
      });
      expect(listed).toContain('hosts (2):');
      expect(listed).toMatch(/^\s+matrix\.example\.com$/m);
      expect(listed).toMatch(/^\s+matrix\.other\.org$/m);
      // The whitelist variable is the real Synapse role's, and its template writes Synapse's key.
      const defaults = readFileSync(join(mdad, 'roles/custom/matrix-synapse/defaults/main.yml'), 'utf8');
      expect(defaults).toMatch(/^matrix_synapse_federation_domain_whitelist: ~$/m);
      const template = readFileSync(
        join(mdad, 'roles/custom/matrix-synapse/templates/synapse/homeserver.yaml.j2'),
        'utf8',
      );
      expect(template).toContain(
        'federation_domain_whitelist: {{ matrix_synapse_federation_domain_whitelist|to_json }}',
      );
      // user add relies on register-user running on every host of the group (no run_once).
      const register = readFileSync(
        join(mdad, 'roles/custom/matrix-synapse/tasks/register_user.yml'),
        'utf8',
      );
      expect(register).toContain('register-user');
      expect(register).not.toMatch(/run_once|delegate_to/);
      for (const domain of ['example.com', 'other.org']) {
        const vars = JSON.parse(
          execFileSync(
            'ansible-inventory',
            ['-i', hosts, '--playbook-dir', mdad, '--host', `matrix.${domain}`],
            {
              encoding: 'utf8',
            },
          ),
        );
        expect(vars.matrix_domain).toBe(domain);
        expect(vars.matrix_synapse_federation_domain_whitelist).toEqual(['example.com', 'other.org']);
      }
    },
  );
  (missing ? it.skip : it)(
    "the real playbook's migration-version gate passes on both hosts (check mode, two loopback sshd)",
    async () => {
      const [a, b] = await Promise.all([startSshd(), startSshd()]);
      try {
        appendFileSync(join(b.dir, 'authorized_keys'), readFileSync(`${a.clientKey}.pub`));
        const mdad = realMdadCheckout(join(tmp.dir, 'real'));
        const file = join(tmp.dir, 'loop.yml');
        writeFileSync(
          file,
          `domain: example.com\nserver: { address: 127.0.0.1, ssh_port: ${a.port} }\nfallback:\n  - domain: other.org\n    server: { address: 127.0.0.1, ssh_port: ${b.port} }\nplaybook: { path: ${mdad} }\n`,
        );
        const caseDir = join(tmp.dir, 'case');
        const init = await runCli(['init', '--config', file, '--yes', caseDir]);
        expect(init.stderr).toContain('migration version v2026.05.18.0 (from the playbook checkout)');
        writeFileSync(join(caseDir, 'known_hosts'), `${a.knownHostsLine}\n${b.knownHostsLine}\n`);
        // Only MDAD's always-tagged tasks run (an unknown tag), in check mode: nothing changes on
        // this machine. Its migration gate runs first; a later matrix-base task cannot work in
        // check mode (it reads the uid of a user check mode did not create), which is not ours.
        const r = spawnSync(
          'ansible-playbook',
          ['-i', join(caseDir, 'inventory/hosts'), 'setup.yml', '--tags=matrix-oob-contract', '--check'],
          {
            cwd: mdad,
            encoding: 'utf8',
            env: {
              ...process.env,
              ANSIBLE_PRIVATE_KEY_FILE: a.clientKey,
              ANSIBLE_SSH_ARGS: `-o UserKnownHostsFile=${join(caseDir, 'known_hosts')} -o StrictHostKeyChecking=yes`,
              ANSIBLE_NOCOLOR: '1',
            },
          },
        );
        const out = r.stdout;
        const gate = out.slice(out.indexOf('Fail if migration version is outdated'));
        const next = gate.indexOf('TASK [', 1);
        expect(gate.slice(0, next)).toMatch(/skipping: \[matrix\.example\.com\]/);
        expect(gate.slice(0, next)).toMatch(/skipping: \[matrix\.other\.org\]/);
        const beforeGateEnd = out.slice(0, out.indexOf('Fail if migration version is outdated') + next);
        expect(beforeGateEnd).not.toContain('fatal:');
        expect(out).toMatch(
          /Fail if migration version is not validated[^\n]*\n(skipping: \[matrix\.(example\.com|other\.org)\]\n){2}/,
        );
      } finally {
        await Promise.all([a.stop(), b.stop()]);
      }
    },
    240_000,
  );
  if (missing) it('notes why the real-playbook check is skipped', () => console.log(missing));
});
