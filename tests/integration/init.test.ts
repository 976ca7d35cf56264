import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { parseVarsDocument } from '../../src/inventory/yaml-doc.js';
import { ROOT, runCli, tempDir } from '../helpers/cli.js';

const EXAMPLE = join(ROOT, 'examples/case.yml');
const VARS = 'inventory/host_vars/matrix.example.com/vars.yml';
const SECRET = /^[A-Za-z0-9]{64}$/;

function tree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string, prefix: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      out.push(`${prefix}${e.name}`);
      if (e.isDirectory()) walk(join(d, e.name), `${prefix}${e.name}/`);
    }
  };
  walk(dir, '');
  return out.sort();
}

const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);

describe('matrix-oob init --config', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.cleanup());

  it('writes the case folder: private modes, fresh secrets, config replayable', async () => {
    const caseDir = join(tmp.dir, 'case');
    const r = await runCli(['init', '--config', EXAMPLE, '--yes', caseDir]);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.exitCode).toBe(0);
    expect(tree(caseDir)).toEqual([
      'credentials',
      'inventory',
      'inventory/host_vars',
      'inventory/host_vars/matrix.example.com',
      `${VARS}`,
      'inventory/hosts',
      'journal.jsonl',
      'logs',
      'matrix-oob.yml',
    ]);
    for (const d of ['', 'credentials', 'logs', 'inventory', 'inventory/host_vars/matrix.example.com']) {
      expect([d, mode(join(caseDir, d))]).toEqual([d, '700']);
    }
    for (const f of ['matrix-oob.yml', 'inventory/hosts', VARS, 'journal.jsonl']) {
      expect([f, mode(join(caseDir, f))]).toEqual([f, '600']);
    }
    const vars = parse(readFileSync(join(caseDir, VARS), 'utf8'));
    expect(vars.matrix_homeserver_generic_secret_key).toMatch(SECRET);
    expect(vars.postgres_connection_password).toMatch(SECRET);
    expect(vars.matrix_homeserver_generic_secret_key).not.toBe(vars.postgres_connection_password);
    expect(vars.matrix_domain).toBe('example.com');
    // No secret reaches the terminal or the journal.
    const journal = readFileSync(join(caseDir, 'journal.jsonl'), 'utf8');
    for (const secret of [vars.matrix_homeserver_generic_secret_key, vars.postgres_connection_password]) {
      expect(r.stdout + r.stderr + journal).not.toContain(secret);
    }
    expect(JSON.parse(journal.trim())).toMatchObject({ command: 'init', result: 'ok' });
    // The written config replays to the same inventory.
    const again = await runCli(['init', '--config', join(caseDir, 'matrix-oob.yml'), '--yes', '--json']);
    expect(again.exitCode).toBe(0);
    expect(JSON.parse(again.stdout).files.map((f: { change: string }) => f.change)).toEqual([
      'unchanged',
      'unchanged',
    ]);
  });

  it('is accepted by a real ansible-inventory, with every variable of vars.yml', async () => {
    const caseDir = join(tmp.dir, 'case');
    const args = ['init', '--config', EXAMPLE, '--yes', '--audio-video', '--call-stack', 'both', caseDir];
    expect((await runCli(args)).exitCode).toBe(0);
    const out = execFileSync(
      'ansible-inventory',
      ['-i', join(caseDir, 'inventory/hosts'), '--host', 'matrix.example.com'],
      { encoding: 'utf8', env: { ...process.env, ANSIBLE_NOCOLOR: '1' } },
    );
    const hostVars = JSON.parse(out);
    const fileVars = parseVarsDocument(readFileSync(join(caseDir, VARS), 'utf8')).toJS();
    expect(Object.keys(fileVars).length).toBeGreaterThanOrEqual(12);
    for (const [key, value] of Object.entries(fileVars)) expect([key, hostVars[key]]).toEqual([key, value]);
    expect(hostVars).toMatchObject({
      ansible_host: '203.0.113.10',
      ansible_ssh_user: 'root',
      jitsi_enabled: true,
      jitsi_enable_auth: true,
      jitsi_enable_guests: false,
      matrix_rtc_enabled: true,
    });
    // One Jitsi account per case user, each with its own generated password.
    const accounts = hostVars.jitsi_prosody_auth_internal_accounts as {
      username: string;
      password: string;
    }[];
    expect(accounts.map((a) => a.username)).toEqual(['lead1', 'analyst1', 'analyst2']);
    for (const a of accounts) expect(a.password).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(new Set(accounts.map((a) => a.password)).size).toBe(3);
    const groups = JSON.parse(
      execFileSync('ansible-inventory', ['-i', join(caseDir, 'inventory/hosts'), '--list'], {
        encoding: 'utf8',
      }),
    );
    expect(groups.matrix_servers.hosts).toEqual(['matrix.example.com']);
  });

  it("re-running with a changed config keeps both secrets byte-for-byte and the user's own keys and comments", async () => {
    const caseDir = join(tmp.dir, 'case');
    await runCli(['init', '--config', EXAMPLE, '--yes', caseDir]);
    const varsPath = join(caseDir, VARS);
    const before = readFileSync(varsPath, 'utf8');
    const secretLines = before
      .split('\n')
      .filter((l) => /secret_key|postgres_connection_password|validated_version/.test(l));
    writeFileSync(
      varsPath,
      `${before}\n# operator: keep media 30 days\nmatrix_synapse_media_retention_local_media_lifetime: 30d # inline note\n`,
    );

    const r = await runCli([
      'init',
      '--config',
      EXAMPLE,
      '--yes',
      '--address',
      '198.51.100.7',
      '--no-element',
      caseDir,
    ]);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain(
      'kept existing secrets: matrix_homeserver_generic_secret_key, postgres_connection_password',
    );
    const after = readFileSync(varsPath, 'utf8');
    for (const line of secretLines) expect(after).toContain(line);
    expect(after).toContain(
      '# operator: keep media 30 days\nmatrix_synapse_media_retention_local_media_lifetime: 30d # inline note',
    );
    expect(after).toContain('# Secret from which the playbook derives its other secrets.');
    expect(parse(after).matrix_client_element_enabled).toBe(false);
    expect(readFileSync(join(caseDir, 'inventory/hosts'), 'utf8')).toContain('ansible_host=198.51.100.7');
    expect(mode(varsPath)).toBe('600');
    expect(readdirSync(join(caseDir, 'inventory/host_vars/matrix.example.com'))).toEqual(['vars.yml']);
  });

  it('re-running an unchanged config leaves vars.yml byte-for-byte, lists included', async () => {
    const caseDir = join(tmp.dir, 'case');
    const av = ['--audio-video', '--call-stack', 'both'];
    await runCli(['init', '--config', EXAMPLE, '--yes', ...av, caseDir]);
    const before = readFileSync(join(caseDir, VARS), 'utf8');
    const r = await runCli(['init', '--config', EXAMPLE, '--yes', ...av, '--json', caseDir]);
    expect(JSON.parse(r.stdout).files.map((f: { change: string }) => f.change)).toEqual([
      'unchanged',
      'unchanged',
      'unchanged',
    ]);
    expect(readFileSync(join(caseDir, VARS), 'utf8')).toBe(before);
  });

  it('--dry-run shows the files with secrets masked and writes nothing', async () => {
    const caseDir = join(tmp.dir, 'case');
    const r = await runCli(['init', '--config', EXAMPLE, '--yes', '--dry-run', caseDir]);
    expect(r.exitCode).toBe(0);
    expect(existsSync(caseDir)).toBe(false);
    expect(r.stderr).toContain('matrix_homeserver_generic_secret_key: "********"');
    expect(r.stderr).toContain('[matrix_servers]');
    expect(r.stderr).not.toMatch(/"[A-Za-z0-9]{64}"/);
  });

  it('--dry-run masks the Jitsi passwords too', async () => {
    const caseDir = join(tmp.dir, 'case');
    const args = [
      'init',
      '--config',
      EXAMPLE,
      '--yes',
      '--audio-video',
      '--call-stack',
      'jitsi',
      '--dry-run',
    ];
    const r = await runCli([...args, caseDir]);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain('jitsi_prosody_auth_internal_accounts:');
    expect(r.stderr).toContain('"username": "lead1", "password": "********"');
    expect(r.stderr).not.toMatch(/"[A-Za-z0-9]{32}"/);
  });

  it('--dry-run also masks secrets the operator added to vars.yml', async () => {
    const caseDir = join(tmp.dir, 'case');
    await runCli(['init', '--config', EXAMPLE, '--yes', caseDir]);
    const varsPath = join(caseDir, VARS);
    writeFileSync(
      varsPath,
      `${readFileSync(varsPath, 'utf8')}ansible_become_password: !unsafe "Hunter2Sudo{{x"\n`,
    );
    const r = await runCli(['init', '--config', EXAMPLE, '--yes', '--dry-run', caseDir]);
    expect(r.exitCode).toBe(0);
    expect(r.all).not.toContain('Hunter2Sudo');
    expect(r.stderr).toContain('ansible_become_password: !unsafe "********"');
  });

  it('a config error lists every problem, exits 2 and writes nothing', async () => {
    const bad = join(tmp.dir, 'bad.yml');
    writeFileSync(
      bad,
      'domain: https://Example.com\nserver:\n  adress: 10.0.0.300\nusers:\n  - name: Alice\n',
    );
    const caseDir = join(tmp.dir, 'case');
    const r = await runCli(['init', '--config', bad, '--yes', caseDir]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`error: ${bad} has 4 problems:`);
    expect(r.stderr).toContain('domain: must not contain a scheme ("https://"): write just "example.com"');
    expect(r.stderr).toContain('server.adress: unknown key; did you mean "address"?');
    expect(r.stderr).toContain('server.address: is required');
    expect(r.stderr).toContain('users[0].name: "Alice" has capital letters');
    expect(r.stderr).toContain('hint: fix the fields above');
    expect(r.stderr).not.toContain('    at '); // no stack
    expect(existsSync(caseDir)).toBe(false);
  });

  it('refuses to change the domain of an existing case and leaves it untouched', async () => {
    const caseDir = join(tmp.dir, 'case');
    await runCli(['init', '--config', EXAMPLE, '--yes', caseDir]);
    const before = tree(caseDir).map((f) => [
      f,
      existsSync(join(caseDir, f)) && statSync(join(caseDir, f)).isFile()
        ? readFileSync(join(caseDir, f), 'utf8')
        : '',
    ]);
    const r = await runCli(['init', '--config', EXAMPLE, '--yes', '--domain', 'other.example', caseDir]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('error: this case is for example.com, not other.example');
    expect(
      tree(caseDir).map((f) => [
        f,
        statSync(join(caseDir, f)).isFile() ? readFileSync(join(caseDir, f), 'utf8') : '',
      ]),
    ).toEqual(before);
  });

  it('a broken vars.yml is never overwritten', async () => {
    const caseDir = join(tmp.dir, 'case');
    await runCli(['init', '--config', EXAMPLE, '--yes', caseDir]);
    writeFileSync(join(caseDir, VARS), 'matrix_domain: [unclosed\n');
    const r = await runCli(['init', '--config', EXAMPLE, '--yes', caseDir]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(
      /vars\.yml is not valid YAML at line 2: Flow sequence in block collection must be sufficiently indented and end with a \]\n/,
    );
    expect(readFileSync(join(caseDir, VARS), 'utf8')).toBe('matrix_domain: [unclosed\n');
  });

  it('takes the migration version from a configured playbook checkout', async () => {
    const checkout = join(tmp.dir, 'mdad');
    const { makeFixtureCheckout } = await import('../helpers/mdad-fixture.js');
    makeFixtureCheckout(checkout, { roles: false });
    writeFileSync(
      join(checkout, 'roles/custom/matrix_playbook_migration/defaults/main.yml'),
      'matrix_playbook_migration_expected_version: "v2027.01.01.0"\n',
    );
    const r = await runCli([
      'init',
      '--config',
      EXAMPLE,
      '--yes',
      '--playbook',
      checkout,
      '--json',
      join(tmp.dir, 'case'),
    ]);
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      migration_version: 'v2027.01.01.0',
      migration_source: 'playbook checkout',
    });
  });

  it.each([
    [
      ['init', '--yes', join('/nonexistent', 'x')],
      /missing domain and server address: pass --domain example\.com --address 203\.0\.113\.10 or use --config FILE/,
    ],
    [
      ['init', '--config', '/nonexistent/case.yml', '--yes'],
      /cannot read config file \/nonexistent\/case\.yml: no such file/,
    ],
    [['init', '--config', EXAMPLE, '--yes', '--ssh-port', 'twenty'], /--ssh-port: "twenty" is not a number/],
    [
      ['init', '--config', EXAMPLE, '--yes', '--user', 'bob:root'],
      /--user: "bob:root" is not NAME or NAME:admin/,
    ],
    [['init', '--bogus'], /unknown option '--bogus'/],
  ])('bad usage %j exits 2 with a one-line error', async (args, message) => {
    const r = await runCli(args as string[], { cwd: tmp.dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(readdirSync(tmp.dir)).toEqual([]);
  });
});
