import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseVars } from '../../src/inventory/vars-file.js';
import { HAND_SECRET, type HandCaseOptions, writeHandCase } from '../helpers/case.js';
import { runCli as cli } from '../helpers/cli.js';
import { makeCollectionPaths } from '../helpers/collections.js';
import { collectionsEnv } from '../helpers/fixture-suite.js';
import { makeFixtureCheckout } from '../helpers/mdad-fixture.js';
import { makeFixtureRepo, NEXT_BREAKING_SUMMARY, NEXT_EXPECTED_VERSION } from '../helpers/mdad-repo.js';
import { freePort, startSshd, type TestSshd } from '../helpers/sshd.js';

interface Check {
  id: string;
  status: 'pass' | 'warn' | 'fail' | 'skip';
  summary: string;
  fix?: string;
  details?: string[];
}

// `matrix-oob doctor --json` through the built CLI, against a real sshd, real ansible and the
// fixture playbook: every failure mode is produced for real and must be reported with its fix.
describe('doctor', () => {
  let tmp: string;
  let sshd: TestSshd;
  let checkout: string;
  let bare: string;
  let cols: ReturnType<typeof makeCollectionPaths>;
  let env: NodeJS.ProcessEnv;
  let n = 0;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'matrix-oob-doctor-'));
    sshd = await startSshd();
    checkout = makeFixtureCheckout(join(tmp, 'mdad'));
    bare = makeFixtureCheckout(join(tmp, 'mdad-bare'), { roles: false });
    cols = makeCollectionPaths(join(tmp, 'collections'));
    env = {
      ...process.env,
      ANSIBLE_PRIVATE_KEY_FILE: sshd.clientKey,
      // Only the collections built above: the suite must not depend on Debian's full ansible.
      ...collectionsEnv(cols.good),
    };
  });
  afterAll(async () => {
    await sshd?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  /** A case that passes every check, bent by `o`. */
  function goodCase(o: HandCaseOptions & { knownHosts?: string; playbook?: string } = {}): string {
    const root = join(tmp, `case-${++n}`);
    writeHandCase(root, {
      port: sshd.port,
      configExtra: `playbook:\n  path: ${o.playbook ?? checkout}\n`,
      ...o,
    });
    writeFileSync(join(root, 'known_hosts'), o.knownHosts ?? `${sshd.knownHostsLine}\n`, { mode: 0o600 });
    return root;
  }

  async function doctor(root: string, args: string[] = [], extraEnv: NodeJS.ProcessEnv = {}) {
    const r = await cli(['--case', root, '--json', 'doctor', ...args], { env: { ...env, ...extraEnv } });
    let checks: Check[] = [];
    try {
      checks = JSON.parse(r.stdout).checks;
    } catch {
      throw new Error(`doctor printed no JSON (exit ${r.exitCode}): ${r.stdout}\n${r.stderr}`);
    }
    const check = (id: string) => {
      const c = checks.find((x) => x.id === id);
      if (!c) throw new Error(`no check ${id}`);
      return c;
    };
    return { ...r, checks, check };
  }

  it('passes everything on a healthy case (exit 0) and never prints a secret', async () => {
    const root = goodCase();
    const r = await doctor(root);
    expect(r.checks.filter((c) => c.status !== 'pass')).toEqual([]);
    expect(r.checks.map((c) => c.id)).toEqual([
      'ansible-core',
      'community.docker',
      'community.general',
      'case',
      'playbook-checkout',
      'galaxy-roles',
      'inventory-group',
      'host-vars',
      'renamed-variables',
      'migration-version',
      'playbook-checks',
      'host-key-pin',
      'ssh',
    ]);
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, counts: { pass: 13, fail: 0 } });
    expect(r.stdout + r.stderr).not.toContain(HAND_SECRET);
    expect(r.stdout + r.stderr).not.toContain('AnotherSecretValueXYZ987');
  });

  it('prints a human table on stderr without --json', async () => {
    const root = goodCase({ knownHosts: '' });
    const r = await cli(['--case', root, 'doctor'], { env });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/PASS {2}ansible-core +2\.14\.\d+ \(minimum 2\.14\)/);
    expect(r.stderr).toMatch(/FAIL {2}SSH to the server/);
    expect(r.stderr).toContain("fix: compare the server's fingerprint");
    expect(r.stderr).toMatch(/12 passed, 0 warnings, 1 failed/);
  });

  it('fails an ansible-core older than the minimum (flag and env), passes at the minimum', async () => {
    const root = goodCase();
    const [flag, byEnv, bad] = await Promise.all([
      doctor(root, ['--min-ansible-core', '2.99.0']),
      doctor(root, [], { MATRIX_OOB_MIN_ANSIBLE_CORE: '2.15.1' }),
      cli(['--case', root, 'doctor', '--min-ansible-core', 'latest'], { env }),
    ]);
    expect(flag.exitCode).toBe(1);
    expect(flag.check('ansible-core')).toMatchObject({ status: 'fail' });
    expect(flag.check('ansible-core').summary).toMatch(/^2\.14\.\d+ is older than 2\.99\.0/);
    expect(flag.check('ansible-core').fix).toContain('pipx');
    expect(byEnv.check('ansible-core').status).toBe('fail');
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('--min-ansible-core: "latest" is not a version');
  });

  it('fails a missing or too old community.docker, and a missing community.general', async () => {
    const root = goodCase();
    const [missing, old, noGeneral] = await Promise.all([
      doctor(root, [], { ANSIBLE_COLLECTIONS_PATH: cols.empty }),
      doctor(root, [], { ANSIBLE_COLLECTIONS_PATH: cols.old }),
      doctor(root, [], { ANSIBLE_COLLECTIONS_PATH: cols.noGeneral }),
    ]);
    expect(missing.exitCode).toBe(1);
    expect(missing.check('community.docker')).toMatchObject({ status: 'fail' });
    expect(missing.check('community.docker').summary).toContain('not installed');
    expect(missing.check('community.docker').fix).toContain(
      "ansible-galaxy collection install 'community.docker:>=3.6.0'",
    );
    expect(missing.check('community.docker').fix).toContain('pipx install ansible"');
    expect(missing.check('community.general').status).toBe('fail');
    expect(old.exitCode).toBe(1);
    expect(old.check('community.docker').status).toBe('fail');
    expect(old.check('community.docker').summary).toMatch(/^3\.4\.7 is older than 3\.6\.0/);
    expect(old.check('community.general')).toMatchObject({ status: 'pass', summary: '10.0.0' });
    expect(noGeneral.exitCode).toBe(1);
    expect(noGeneral.check('community.docker').status).toBe('pass');
    expect(noGeneral.check('community.general')).toMatchObject({ status: 'fail' });
    expect(noGeneral.check('community.general').summary).toContain("dozens of the playbook's roles");
    expect(noGeneral.check('community.general').fix).toContain('pipx install ansible"');
    expect(noGeneral.check('community.general').fix).toContain(
      'ansible-galaxy collection install community.general',
    );
  });

  it('fails a checkout without its galaxy roles, and a missing checkout', async () => {
    const [noRoles, none] = await Promise.all([
      doctor(goodCase({ playbook: bare })),
      doctor(goodCase({ playbook: join(tmp, 'nowhere') })),
    ]);
    expect(noRoles.exitCode).toBe(1);
    expect(noRoles.check('playbook-checkout').status).toBe('pass');
    expect(noRoles.check('galaxy-roles')).toMatchObject({
      status: 'fail',
      details: ['missing: playbook_help'],
    });
    expect(noRoles.check('galaxy-roles').fix).toContain('matrix-oob playbook fetch');
    expect(none.check('playbook-checkout')).toMatchObject({ status: 'fail' });
    expect(none.check('galaxy-roles').status).toBe('skip');
    expect(none.check('migration-version').status).toBe('skip');
  });

  it('fails when the host_vars folder does not match the inventory host name', async () => {
    const r = await doctor(goodCase({ hostVarsName: 'Matrix.example.test' }));
    expect(r.exitCode).toBe(1);
    const c = r.check('host-vars');
    expect(c.status).toBe('fail');
    expect(c.summary).toContain(
      'inventory host "matrix.example.test" has no folder inventory/host_vars/matrix.example.test/',
    );
    expect(c.fix).toContain(
      'mv "inventory/host_vars/Matrix.example.test" "inventory/host_vars/matrix.example.test"',
    );
  });

  it('warns (exit 0) when vars.yml is readable by others', async () => {
    const root = goodCase();
    const vars = join(root, 'inventory/host_vars/matrix.example.test/vars.yml');
    chmodSync(vars, 0o644);
    const r = await doctor(root);
    expect(r.check('host-vars')).toMatchObject({
      status: 'warn',
      fix: `chmod 600 "inventory/host_vars/matrix.example.test/vars.yml"`,
    });
    expect(r.check('host-vars').summary).toContain('mode 0644');
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, counts: { warn: 1, fail: 0 } });
    expect(r.exitCode).toBe(0);
  });

  it('fails the old [matrix-servers] group name', async () => {
    const r = await doctor(
      goodCase({
        hosts: `[matrix-servers]\nmatrix.example.test ansible_host=127.0.0.1 ansible_port=${sshd.port}\n`,
      }),
    );
    expect(r.exitCode).toBe(1);
    const c = r.check('inventory-group');
    expect(c.status).toBe('fail');
    expect(c.summary).toContain('[matrix-servers] (with a dash) was renamed [matrix_servers]');
    expect(c.fix).toContain('line 1, rename the section to [matrix_servers]');
  });

  it('fails renamed variables, naming them but never their values', async () => {
    const secret = 'CoturnSecretThatMustStayHidden42';
    const vars = [
      'host_specific_hostname_identity: example.test',
      `matrix_coturn_turn_static_auth_secret: '${secret}'`,
      'host_specific_matrix_ssl_support_email: security@example.test',
      'matrix_playbook_migration_validated_version: v2026.05.18.0',
      '',
    ].join('\n');
    const r = await doctor(goodCase({ vars }));
    expect(r.exitCode).toBe(1);
    const c = r.check('renamed-variables');
    expect(c.status).toBe('fail');
    expect(c.details?.join('\n')).toMatch(/host_specific_hostname_identity: renamed matrix_domain/);
    expect(c.details?.join('\n')).toMatch(/matrix_coturn_turn_static_auth_secret: .*the run fails/);
    expect(c.details?.join('\n')).toMatch(
      /host_specific_matrix_ssl_support_email: removed and silently ignored/,
    );
    expect(r.stdout + r.stderr).not.toContain(secret);
    // The playbook's own checks, run here without SSH, stop on the same variables.
    const own = r.check('playbook-checks');
    expect(own.status).toBe('fail');
    expect(own.details?.join('\n')).toContain(
      'custom/fixture_server : Fail on variables renamed since the original write-up: The variable `host_specific_hostname_identity` is deprecated.',
    );
    expect(own.details).toContain('  variable: matrix_coturn_turn_static_auth_secret');
    expect(own.fix).toContain(
      'fix host_specific_hostname_identity, matrix_coturn_turn_static_auth_secret, matrix_homeserver_generic_secret_key in inventory/host_vars/matrix.example.test/vars.yml',
    );
  });

  it("runs the playbook's own checks locally, caches them per inventory, and names the variable", async () => {
    const root = goodCase();
    const first = await doctor(root);
    expect(first.check('playbook-checks').status).toBe('pass');
    expect(first.check('playbook-checks').summary).toMatch(
      /^2 checks of the checkout's roles pass .*\(\d+(\.\d+)?s, run here, no SSH\)/,
    );
    const again = await doctor(root);
    expect(again.check('playbook-checks').summary).toContain('(cached, run here, no SSH)');
    // A changed inventory is checked again: an outdated migration version fails with MDAD's message.
    const varsFile = join(root, 'inventory/host_vars/matrix.example.test/vars.yml');
    writeFileSync(
      varsFile,
      readFileSync(varsFile, 'utf8').replace(
        /matrix_playbook_migration_validated_version: .*/,
        'matrix_playbook_migration_validated_version: v2025.01.01.0',
      ),
    );
    const old = await doctor(root);
    const c = old.check('playbook-checks');
    expect(c.status).toBe('fail');
    expect(c.summary).not.toContain('cached');
    expect(c.details).toEqual([
      'custom/matrix_playbook_migration : Fail if the validated migration version is older than expected: Your matrix_playbook_migration_validated_version (v2025.01.01.0) is older than v2026.05.18.0. Review the breaking changes, then update it.',
      '  variable: matrix_playbook_migration_validated_version',
    ]);
    expect(c.fix).toContain('matrix-oob playbook acknowledge');
  });

  it('reports a vars.yml syntax error by position only', async () => {
    const r = await doctor(
      goodCase({ vars: `matrix_domain: example.test\nkey: 'unterminated ${HAND_SECRET}\n` }),
    );
    expect(r.check('renamed-variables').status).toBe('fail');
    expect(r.check('renamed-variables').summary).toMatch(/is not valid YAML \(line \d+, column \d+\)/);
    expect(r.stdout + r.stderr).not.toContain(HAND_SECRET);
  });

  it('a case written by init: fetch, trust-host, all green; a newer playbook needs acknowledge', async () => {
    const repo = makeFixtureRepo(join(tmp, 'repo'));
    const config = join(tmp, 'init.yml');
    writeFileSync(
      config,
      `domain: example.test\nserver:\n  address: ${sshd.host}\n  ssh_port: ${sshd.port}\n`,
    );
    const root = join(tmp, 'init-case');
    const init = await cli(['init', '--config', config, '--yes', root], { env });
    expect(init.exitCode).toBe(0);
    const steps = [
      ['playbook', 'fetch', '--repo', repo.url, '--ref', repo.commits[0]],
      ['trust-host', '--fingerprint', sshd.hostFingerprint],
    ];
    for (const step of steps) expect((await cli(['--case', root, ...step], { env })).exitCode).toBe(0);
    const green = await doctor(root);
    expect(green.checks.filter((c) => c.status !== 'pass')).toEqual([]);
    expect(green.exitCode).toBe(0);

    // A newer playbook revision: the migration gate would stop every run.
    const varsFile = join(root, 'inventory/host_vars/matrix.example.test/vars.yml');
    const before = readFileSync(varsFile, 'utf8');
    const fetched = await cli(['--case', root, 'playbook', 'fetch', '--ref', 'master'], { env });
    expect(fetched.exitCode).toBe(0);
    const r = await doctor(root);
    expect(r.exitCode).toBe(1);
    expect(r.check('playbook-checkout')).toMatchObject({
      status: 'pass',
      summary: expect.stringContaining(' at master ('),
    });
    const c = r.check('migration-version');
    expect(c.status).toBe('fail');
    expect(c.summary).toContain(
      `inventory validated v2026.05.18.0, the checkout expects ${NEXT_EXPECTED_VERSION}`,
    );
    expect(c.details).toEqual([
      'breaking changes since then:',
      `${NEXT_EXPECTED_VERSION}  ${NEXT_BREAKING_SUMMARY}  (https://example.invalid/CHANGELOG.md#2026-08-01)`,
    ]);
    expect(c.fix).toContain('matrix-oob playbook acknowledge');

    // Not a terminal and no --yes: shows the changes, asks for --yes, writes nothing.
    const refused = await cli(['--case', root, 'playbook', 'acknowledge'], { env });
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain(NEXT_BREAKING_SUMMARY);
    expect(refused.stderr).toContain('--yes');
    expect(readFileSync(varsFile, 'utf8')).toBe(before);

    const ack = await cli(['--case', root, '--yes', 'playbook', 'acknowledge'], { env });
    expect(ack.exitCode).toBe(0);
    expect(ack.stderr).toContain(NEXT_BREAKING_SUMMARY);
    // Only the value changed: comments, other keys and the secrets are byte-for-byte the same.
    const after = readFileSync(varsFile, 'utf8');
    expect(before).toContain('matrix_playbook_migration_validated_version: "v2026.05.18.0"');
    expect(after).toBe(
      before.replace(
        'matrix_playbook_migration_validated_version: "v2026.05.18.0"',
        `matrix_playbook_migration_validated_version: "${NEXT_EXPECTED_VERSION}"`,
      ),
    );
    expect(statSync(varsFile).mode & 0o777).toBe(0o600);
    const secret = String(parseVars(after).data?.matrix_homeserver_generic_secret_key);
    expect(secret).toHaveLength(64);
    expect(ack.stderr + ack.stdout + r.stdout + r.stderr).not.toContain(secret);
    expect((await doctor(root)).check('migration-version').status).toBe('pass');
    const again = await cli(['--case', root, '--yes', 'playbook', 'acknowledge'], { env });
    expect(again.exitCode).toBe(0);
    expect(again.stderr).toContain('nothing to acknowledge');
    expect(readFileSync(join(root, 'journal.jsonl'), 'utf8')).toContain('"command":"playbook acknowledge"');
  });

  it('fails an unknown host key, pointing at trust-host', async () => {
    const r = await doctor(goodCase({ knownHosts: '' }));
    expect(r.exitCode).toBe(1);
    const c = r.check('ssh');
    expect(c.status).toBe('fail');
    expect(c.summary).toContain('host key is not pinned');
    expect(c.fix).toContain('matrix-oob trust-host');
  });

  it('fails a changed host key loudly as a possible man-in-the-middle attack', async () => {
    const other = join(tmp, `other-${n}`);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
    const line = `[${sshd.host}]:${sshd.port} ${readFileSync(`${other}.pub`, 'utf8').split(' ').slice(0, 2).join(' ')}\n`;
    const r = await doctor(goodCase({ knownHosts: line }));
    expect(r.exitCode).toBe(1);
    const c = r.check('ssh');
    expect(c.status).toBe('fail');
    expect(c.summary).toContain('HOST KEY CHANGED');
    expect(c.summary).toContain('POSSIBLE MAN-IN-THE-MIDDLE ATTACK');
    expect(c.summary).toContain(sshd.hostFingerprint);
  });

  it('fails an unreachable server (connection refused) and a refused login', async () => {
    const port = await freePort();
    const stranger = join(tmp, 'stranger');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', stranger]);
    const [down, denied] = await Promise.all([
      doctor(goodCase({ port })),
      doctor(goodCase(), [], { ANSIBLE_PRIVATE_KEY_FILE: stranger }),
    ]);
    expect(down.check('ssh')).toMatchObject({ status: 'fail' });
    expect(down.check('ssh').summary).toContain('connection refused');
    expect(denied.check('ssh').status).toBe('fail');
    expect(denied.check('ssh').summary).toContain('login was refused');
  });

  it('reports a missing case as a failed check and skips what depends on it', async () => {
    const empty = mkdtempSync(join(tmp, 'empty-'));
    const r = await doctor(empty);
    expect(r.exitCode).toBe(1);
    expect(r.check('case')).toMatchObject({ status: 'fail' });
    expect(r.check('case').summary).toContain('matrix-oob.yml is missing');
    expect(r.check('ssh').status).toBe('skip');
    expect(r.check('ansible-core').status).toBe('pass');
  });
});
