import { createHash } from 'node:crypto';
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toUuid } from '../../src/secrets/derived.js';
import { writeCase } from '../helpers/case.js';
import { cli, fixtureEnv } from '../helpers/cli-process.js';
import { makeFixtureCheckout } from '../helpers/mdad-fixture.js';
import { startSshd, type TestSshd } from '../helpers/sshd.js';

// Redaction through real Ansible (issue #9, items 2, 3, 12, 15): the fixture checkout gets the
// two lines by which MDAD derives the registration shared secret from
// matrix_homeserver_generic_secret_key (group_vars/matrix_servers), a task that writes it into a
// config file (printed whole by --diff), and MDAD's `hash_password -p {{ password | quote }}`
// shell task that fails (Ansible prints the command in its result). Nothing may reach the
// terminal, logs/ or journal.jsonl.
describe('redaction with real Ansible output', () => {
  let sshd: TestSshd;
  let dir: string;
  let checkout: string;
  let caseDir: string;
  let env: NodeJS.ProcessEnv;
  let generic: string;
  let derived: string;

  beforeAll(async () => {
    sshd = await startSshd();
    dir = mkdtempSync(join(tmpdir(), 'matrix-oob-redact-'));
    checkout = makeFixtureCheckout(join(dir, 'mdad'));
    mkdirSync(join(checkout, 'group_vars'));
    writeFileSync(
      join(checkout, 'group_vars', 'matrix_servers'),
      [
        '---',
        `matrix_synapse_macaroon_secret_key: "{{ (matrix_homeserver_generic_secret_key + ':synapse.mac') | hash('sha512') | to_uuid }}"`,
        'matrix_synapse_registration_shared_secret: "{{ matrix_synapse_macaroon_secret_key }}"',
        '',
      ].join('\n'),
    );
    const tasks = join(checkout, 'roles', 'custom', 'fixture_server', 'tasks', 'main.yml');
    appendFileSync(
      tasks,
      [
        '',
        '- name: Write the homeserver config (test addition; --diff prints it)',
        '  ansible.builtin.copy:',
        '    dest: "{{ fixture_data }}/homeserver.yaml"',
        '    content: "registration_shared_secret: {{ matrix_synapse_registration_shared_secret }}\\n"',
        '    mode: "0600"',
        '  tags: [install-all, setup-all]',
        '',
        "- name: Generate user password hash (test addition; MDAD's task, failing as when Synapse is down)",
        '  ansible.builtin.shell: "false hash_password -c /data/homeserver.yaml -p {{ password | quote }}"',
        '  tags: [update-user-password]',
        '',
      ].join('\n'),
    );
    caseDir = writeCase(join(dir, 'case'), sshd, checkout, { users: [{ name: 'alice' }] });
    const vars = readFileSync(
      join(caseDir, 'inventory', 'host_vars', 'matrix.example.test', 'vars.yml'),
      'utf8',
    );
    generic = /^matrix_homeserver_generic_secret_key: "?([^"\n]+)"?$/m.exec(vars)![1]!;
    derived = toUuid(createHash('sha512').update(`${generic}:synapse.mac`).digest('hex'));
    env = fixtureEnv(dir, sshd);
  });
  afterAll(async () => {
    await sshd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const stored = () => {
    const parts = [readFileSync(join(caseDir, 'journal.jsonl'), 'utf8')];
    for (const f of readdirSync(join(caseDir, 'logs')))
      parts.push(readFileSync(join(caseDir, 'logs', f), 'utf8'));
    return parts.join('\n');
  };

  it('a derived secret printed by --diff -v is redacted on screen, in logs/ and the journal', async () => {
    const r = await cli(['-C', caseDir, 'deploy', '--stage', 'setup', '--', '--diff', '-v'], env);
    expect(r.exitCode).toBe(0);
    // The server really got it (so Ansible printed it)...
    expect(readFileSync(join(dir, 'data', 'homeserver.yaml'), 'utf8')).toContain(derived);
    expect(r.all).toContain('registration_shared_secret: [REDACTED]');
    // ...and it is nowhere we show or keep.
    expect(r.all).not.toContain(derived);
    expect(stored()).not.toContain(derived);
    expect(stored()).not.toContain(generic);
  });

  it("a --reset password with ' (shell-quoted inside a JSON/YAML result) is redacted", async () => {
    const password = `it's-"a"-{{ hostile }}-\\pass-%s-$HOME-é€😀`;
    const pw = join(dir, 'pw.txt');
    writeFileSync(pw, `${password}\n`, { mode: 0o600 });
    const r = await cli(['-C', caseDir, 'user', 'add', 'alice', '--reset', '--password-file', pw], env);
    expect(r.exitCode).toBe(1);
    expect(r.all).toContain('hash_password');
    expect(r.all).toContain('[REDACTED]');
    const shellQuoted = `'${password.replace(/'/g, `'"'"'`)}'`;
    for (const form of [
      password,
      shellQuoted,
      JSON.stringify(shellQuoted).slice(1, -1),
      "it'\"'\"'s",
      "it'\\\"'\\\"'s",
    ]) {
      expect(r.all).not.toContain(form);
      expect(stored()).not.toContain(form);
    }
  });

  it('refuses a secret passed with -- -e (argv, log header, journal) before running anything', async () => {
    const before = readdirSync(join(caseDir, 'logs')).length;
    const r = await cli(
      ['-C', caseDir, 'deploy', '--', '-e', 'ansible_become_password=Hunter2-TopSecret'],
      env,
    );
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('"-e ansible_become_password=..." cannot be passed through');
    expect(r.all).not.toContain('Hunter2-TopSecret');
    expect(readdirSync(join(caseDir, 'logs')).length).toBe(before);
    expect(stored()).not.toContain('Hunter2-TopSecret');
  });

  it('warns about Ansible settings that log secrets: an ANSIBLE_CONFIG with log_path, ANSIBLE_DEBUG, display_args', async () => {
    const cfg = join(dir, 'logging.cfg');
    writeFileSync(cfg, `[defaults]\nlog_path = ${join(dir, 'ansible.log')}\ndisplay_args_to_stdout = True\n`);
    const r = await cli(['-C', caseDir, 'deploy', '--stage', 'start'], {
      ...env,
      ANSIBLE_CONFIG: cfg,
      ANSIBLE_DEBUG: '0',
    });
    expect(r.stderr).toMatch(/log_path in .*logging\.cfg is set/);
    expect(r.stderr).toMatch(/display_args_to_stdout in .*logging\.cfg is on/);
    const d = await cli(['-C', caseDir, 'deploy', '--stage', 'start'], { ...env, ANSIBLE_DEBUG: '1' });
    expect(d.stderr).toContain('ANSIBLE_DEBUG is on');
  });
});
