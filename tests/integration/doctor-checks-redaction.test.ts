import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toUuid } from '../../src/secrets/derived.js';
import { HAND_SECRET, writeHandCase } from '../helpers/case.js';
import { runCli, tempDir } from '../helpers/cli.js';

// doctor runs the checkout's own checks (real ansible-playbook, here, no SSH) on every server of
// the case. A check message may print any variable: the values must come back redacted with the
// case's one redactor (every server's vars.yml and the secrets MDAD derives from the generic key).
const FALLBACK_KEY = 'FallbackGenericKeyNeverPrinted0123456789abcdefghijklmnopqrstuvwx';
const FALLBACK_PG = 'FallbackPostgresPasswordNeverPrinted42';
const derived = (key: string) => toUuid(createHash('sha512').update(`${key}:leak.test`).digest('hex'));

function writeCheckout(dir: string): void {
  const role = join(dir, 'roles', 'custom', 'leak', 'tasks');
  mkdirSync(role, { recursive: true });
  mkdirSync(join(dir, 'group_vars'));
  writeFileSync(join(dir, 'setup.yml'), '- hosts: matrix_servers\n  roles:\n    - custom/leak\n');
  // What makes a folder a usable checkout for doctor.
  writeFileSync(join(dir, 'requirements.yml'), '[]\n');
  mkdirSync(join(dir, 'roles', 'custom', 'matrix_playbook_migration', 'defaults'), { recursive: true });
  writeFileSync(join(dir, 'roles', 'custom', 'matrix_playbook_migration', 'defaults', 'main.yml'), '---\n');
  writeFileSync(
    join(role, 'main.yml'),
    '- ansible.builtin.include_tasks: "{{ role_path }}/tasks/validate_config.yml"\n  tags: [setup-all, install-all]\n',
  );
  writeFileSync(
    join(role, 'validate_config.yml'),
    '- name: Fail printing values\n  ansible.builtin.fail:\n    msg: "derived {{ leak_derived }} pg {{ postgres_connection_password }}"\n',
  );
  writeFileSync(
    join(dir, 'group_vars', 'matrix_servers'),
    `leak_derived: "{{ (matrix_homeserver_generic_secret_key + ':leak.test') | hash('sha512') | to_uuid }}"\n`,
  );
}

describe("doctor's playbook checks", () => {
  it('redact every server secret and every derived one, and name the server of each failure', async () => {
    const tmp = tempDir();
    try {
      const checkout = join(tmp.dir, 'mdad');
      writeCheckout(checkout);
      const root = join(tmp.dir, 'case');
      writeHandCase(root, {
        configExtra: `fallback:\n  - domain: other.test\n    server:\n      address: 127.0.0.2\nplaybook:\n  path: ${checkout}\n`,
        hosts:
          '[matrix_servers]\nmatrix.example.test ansible_host=127.0.0.1 ansible_ssh_user=root\nmatrix.other.test ansible_host=127.0.0.2 ansible_ssh_user=root\n',
      });
      const fb = join(root, 'inventory', 'host_vars', 'matrix.other.test');
      mkdirSync(fb, { mode: 0o700 });
      writeFileSync(
        join(fb, 'vars.yml'),
        `matrix_domain: other.test\nmatrix_homeserver_generic_secret_key: '${FALLBACK_KEY}'\npostgres_connection_password: '${FALLBACK_PG}'\n`,
        { mode: 0o600 },
      );
      // The whole command: its redactor is built once and shared by the checks.
      const r = await runCli(['--case', root, '--json', 'doctor'], {
        env: { ANSIBLE_LOCALHOST_WARNING: 'false' },
      });
      const shown = r.all;
      const result = (
        JSON.parse(r.stdout) as {
          checks: { id: string; summary: string; details?: string[]; fix?: string }[];
        }
      ).checks.find((c) => c.id === 'playbook-checks')!;
      // The check really ran on both servers and printed the values (redacted).
      expect(result.summary).toMatch(/^2 of the playbook's own checks fail/);
      // Each line names its server, the fix names each server's own vars.yml.
      expect([...(result.details ?? [])].sort()).toEqual([
        'custom/leak : Fail printing values (on matrix.example.test): derived [REDACTED] pg [REDACTED]',
        'custom/leak : Fail printing values (on matrix.other.test): derived [REDACTED] pg [REDACTED]',
      ]);
      expect(result.fix).toMatch(
        /^fix inventory\/host_vars\/matrix\.(example|other)\.test\/vars\.yml and inventory\/host_vars\/matrix\.(example|other)\.test\/vars\.yml as the message says/,
      );
      expect(result.fix).toContain('matrix.other.test/vars.yml');
      const cache = readFileSync(join(root, '.cache', 'mdad-checks.json'), 'utf8');
      expect(cache).toContain('"host":"matrix.other.test"');
      for (const secret of [derived(HAND_SECRET), derived(FALLBACK_KEY), FALLBACK_PG, FALLBACK_KEY]) {
        expect(shown).not.toContain(secret);
        expect(cache).not.toContain(secret);
      }
    } finally {
      tmp.cleanup();
    }
  }, 120_000);
});
