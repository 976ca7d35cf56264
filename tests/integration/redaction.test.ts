import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toUuid } from '../../src/secrets/derived.js';
import { cli } from '../helpers/cli-process.js';
import { fixtureSuite } from '../helpers/fixture-suite.js';

// Redaction through real Ansible (issue #9, items 2, 3, 12, 15): the fixture checkout gets the
// two lines by which MDAD derives the registration shared secret from
// matrix_homeserver_generic_secret_key (group_vars/matrix_servers), a task that writes it into a
// config file (printed whole by --diff), and MDAD's `hash_password -p {{ password | quote }}`
// shell task that fails (Ansible prints the command in its result). Nothing may reach the
// terminal, logs/ or journal.jsonl.
describe('redaction with real Ansible output', () => {
  let generic: string;
  let derived: string;

  const bed = fixtureSuite({
    name: 'redact',
    editCheckout: (checkout) => {
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
    },
    case: { users: [{ name: 'alice' }] },
  });

  beforeAll(() => {
    const vars = readFileSync(
      join(bed.caseDir, 'inventory', 'host_vars', 'matrix.example.test', 'vars.yml'),
      'utf8',
    );
    generic = /^matrix_homeserver_generic_secret_key: "?([^"\n]+)"?$/m.exec(vars)![1]!;
    derived = toUuid(createHash('sha512').update(`${generic}:synapse.mac`).digest('hex'));
  });

  const stored = () => {
    const parts = [readFileSync(join(bed.caseDir, 'journal.jsonl'), 'utf8')];
    for (const f of readdirSync(join(bed.caseDir, 'logs')))
      parts.push(readFileSync(join(bed.caseDir, 'logs', f), 'utf8'));
    return parts.join('\n');
  };

  it('a derived secret printed by --diff -v is redacted on screen, in logs/ and the journal', async () => {
    const r = await cli(['-C', bed.caseDir, 'deploy', '--stage', 'setup', '--', '--diff', '-v'], bed.env);
    expect(r.exitCode).toBe(0);
    // The server really got it (so Ansible printed it)...
    expect(readFileSync(join(bed.dir, 'data', 'homeserver.yaml'), 'utf8')).toContain(derived);
    expect(r.all).toContain('registration_shared_secret: [REDACTED]');
    // ...and it is nowhere we show or keep.
    expect(r.all).not.toContain(derived);
    expect(stored()).not.toContain(derived);
    expect(stored()).not.toContain(generic);
  });

  it("a --reset password with ' (shell-quoted inside a JSON/YAML result) is redacted", async () => {
    const password = `it's-"a"-{{ hostile }}-\\pass-%s-$HOME-é€😀`;
    const pw = join(bed.dir, 'pw.txt');
    writeFileSync(pw, `${password}\n`, { mode: 0o600 });
    const r = await cli(
      ['-C', bed.caseDir, 'user', 'add', 'alice', '--reset', '--password-file', pw],
      bed.env,
    );
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
    const before = readdirSync(join(bed.caseDir, 'logs')).length;
    const r = await cli(
      ['-C', bed.caseDir, 'deploy', '--', '-e', 'ansible_become_password=Hunter2-TopSecret'],
      bed.env,
    );
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('"-e ansible_become_password=..." cannot be passed through');
    expect(r.all).not.toContain('Hunter2-TopSecret');
    expect(readdirSync(join(bed.caseDir, 'logs')).length).toBe(before);
    expect(stored()).not.toContain('Hunter2-TopSecret');
  });

  it('warns about Ansible settings that log secrets: an ANSIBLE_CONFIG with log_path, ANSIBLE_DEBUG, display_args', async () => {
    const cfg = join(bed.dir, 'logging.cfg');
    writeFileSync(
      cfg,
      `[defaults]\nlog_path = ${join(bed.dir, 'ansible.log')}\ndisplay_args_to_stdout = True\n`,
    );
    const r = await cli(['-C', bed.caseDir, 'deploy', '--stage', 'start'], {
      ...bed.env,
      ANSIBLE_CONFIG: cfg,
      ANSIBLE_DEBUG: '0',
    });
    expect(r.stderr).toMatch(/log_path in .*logging\.cfg is set/);
    expect(r.stderr).toMatch(/display_args_to_stdout in .*logging\.cfg is on/);
    const d = await cli(['-C', bed.caseDir, 'deploy', '--stage', 'start'], {
      ...bed.env,
      ANSIBLE_DEBUG: '1',
    });
    expect(d.stderr).toContain('ANSIBLE_DEBUG is on');
  });
});
