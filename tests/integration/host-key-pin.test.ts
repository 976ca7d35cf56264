import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeCase } from '../helpers/case.js';
import { cli } from '../helpers/cli-process.js';
import { fixtureSuite } from '../helpers/fixture-suite.js';

// The pinned host key holds against every override route (issue #9, item 1). Each case pins a
// WRONG key for the loopback sshd, then tries to get past it: a variable in vars.yml, `-- -e`,
// ssh_common_args with a KnownHostsCommand (vars file, pass-through, environment, ansible.cfg),
// and ~/.ssh/config. Every run must fail; those the guard sees are refused before any
// connection (sshd logs none), and doctor fails on them.
describe('host-key pin', () => {
  let trustScript: string;
  let n = 0;

  const bed = fixtureSuite({
    name: 'pin',
    env: { ANSIBLE_SSH_COMMON_ARGS: undefined, ANSIBLE_CONFIG: undefined },
  });

  beforeAll(() => {
    // A KnownHostsCommand that vouches for the real server key (what an attacker would add).
    trustScript = join(bed.dir, 'trust.sh');
    writeFileSync(trustScript, `#!/bin/sh\necho '${bed.sshd.knownHostsLine}'\n`);
    chmodSync(trustScript, 0o755);
    mkdirSync(join(bed.dir, 'home'));
    bed.env.HOME = join(bed.dir, 'home');
  });

  /** A case whose known_hosts pins a key that is not the server's. */
  function wrongPinCase(): string {
    const root = writeCase(join(bed.dir, `case-${++n}`), bed.sshd, bed.checkout);
    const other = join(bed.dir, `other-${n}`);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
    const pub = execFileSync('ssh-keygen', ['-y', '-f', other], { encoding: 'utf8' }).trim();
    writeFileSync(join(root, 'known_hosts'), `[${bed.sshd.host}]:${bed.sshd.port} ${pub}\n`, { mode: 0o600 });
    return root;
  }
  const vars = (root: string) => join(root, 'inventory', 'host_vars', 'matrix.example.test', 'vars.yml');
  const addVar = (root: string, line: string) =>
    writeFileSync(vars(root), `${readFileSync(vars(root), 'utf8')}\n${line}\n`);
  const connections = () => (bed.sshd.log().match(/Connection from/g) ?? []).length;

  async function refused(root: string, args: string[], extraEnv: NodeJS.ProcessEnv, route: RegExp) {
    const before = connections();
    const r = await cli(['-C', root, 'deploy', ...args], { ...bed.env, ...extraEnv });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('refusing to connect');
    expect(r.all).toMatch(route);
    expect(connections()).toBe(before);
    expect(existsSync(join(bed.dir, 'data'))).toBe(false);
    expect(existsSync(join(root, 'logs')) ? readdirSync(join(root, 'logs')) : []).toEqual([]);
  }

  it('without an override, the wrong pin stops the run (the control)', async () => {
    const root = wrongPinCase();
    const r = await cli(['-C', root, 'deploy'], bed.env);
    expect(r.exitCode).toBe(1);
    expect(r.all).toMatch(/host key|Host key verification failed|UNREACHABLE/i);
    expect(existsSync(join(bed.dir, 'data'))).toBe(false);
  });

  it('refuses ansible_ssh_args in vars.yml before connecting', async () => {
    const root = wrongPinCase();
    addVar(root, "ansible_ssh_args: '-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null'");
    await refused(root, [], {}, /ansible_ssh_args is set/);
  });

  it('refuses -- -e ansible_ssh_args=... before connecting', async () => {
    const root = wrongPinCase();
    await refused(
      root,
      ['--', '-e', 'ansible_ssh_args="-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null"'],
      {},
      /ansible_ssh_args is set/,
    );
  });

  it('refuses ansible_ssh_args given as an abbreviated --extra or a -ve cluster (Ansible reads both as -e)', async () => {
    const root = wrongPinCase();
    const value = 'ansible_ssh_args="-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null"';
    await refused(root, ['--', '--extra', value], {}, /ansible_ssh_args is set/);
    await refused(root, ['--', '-ve', value], {}, /ansible_ssh_args is set/);
  });

  it('refuses a KnownHostsCommand in ansible_ssh_common_args (vars.yml) and in -e @file', async () => {
    const root = wrongPinCase();
    addVar(root, `ansible_ssh_common_args: '-o KnownHostsCommand=${trustScript}'`);
    await refused(root, [], {}, /ansible_ssh_common_args sets KnownHostsCommand/);
    const root2 = wrongPinCase();
    const file = join(bed.dir, 'extra.yml');
    writeFileSync(file, `ansible_ssh_extra_args: "-o KnownHostsCommand=${trustScript}"\n`);
    await refused(root2, ['--', '-e', `@${file}`], {}, /ansible_ssh_extra_args sets KnownHostsCommand/);
  });

  it('refuses --ssh-extra-args and --ssh-common-args with host-key options', async () => {
    const root = wrongPinCase();
    await refused(
      root,
      ['--', `--ssh-extra-args=-o KnownHostsCommand=${trustScript}`],
      {},
      /--ssh-extra-args/,
    );
    await refused(root, ['--', '--ssh-common-args', '-o StrictHostKeyChecking=no'], {}, /--ssh-common-args/);
  });

  it('refuses ANSIBLE_SSH_COMMON_ARGS, ANSIBLE_SSH_EXECUTABLE and an ansible.cfg that add trust', async () => {
    const root = wrongPinCase();
    await refused(
      root,
      [],
      { ANSIBLE_SSH_COMMON_ARGS: `-o KnownHostsCommand=${trustScript}` },
      /ANSIBLE_SSH_COMMON_ARGS/,
    );
    await refused(root, [], { ANSIBLE_SSH_EXECUTABLE: '/bin/true' }, /ANSIBLE_SSH_EXECUTABLE/);
    const cfg = join(bed.dir, 'ansible.cfg');
    writeFileSync(cfg, `[ssh_connection]\nssh_extra_args = -o KnownHostsCommand=${trustScript}\n`);
    await refused(root, [], { ANSIBLE_CONFIG: cfg }, /ssh_extra_args sets KnownHostsCommand/);
  });

  it('refuses host-key checking turned off and a non-ssh connection in the inventory', async () => {
    const root = wrongPinCase();
    addVar(root, 'ansible_host_key_checking: false');
    await refused(root, [], {}, /turns host-key checking off/);
    const root2 = wrongPinCase();
    const hosts = join(root2, 'inventory', 'hosts');
    const text = readFileSync(hosts, 'utf8') as string;
    writeFileSync(hosts, text.replace(/^(matrix\.example\.test .*)$/m, '$1 ansible_connection=paramiko'));
    await refused(root2, [], {}, /ansible_connection is paramiko/);
  });

  // ssh reads ~/.ssh/config from the passwd home (not $HOME), so a test cannot swap it; an ssh
  // config given with -F goes through the same option processing, after matrix-oob's options.
  it('an ssh config (-F, as ~/.ssh/config): KnownHostsCommand there is overridden, HostKeyAlias refused', async () => {
    const root = wrongPinCase();
    const cfg = join(bed.dir, 'ssh_config');
    writeFileSync(
      cfg,
      `Host *\n  KnownHostsCommand ${trustScript}\n  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n`,
    );
    const r = await cli(['-C', root, 'deploy'], { ...bed.env, ANSIBLE_SSH_COMMON_ARGS: `-F ${cfg}` });
    expect(r.exitCode).toBe(1);
    expect(r.all).toMatch(/host key|Host key verification failed|UNREACHABLE/i);
    expect(existsSync(join(bed.dir, 'data'))).toBe(false);
    writeFileSync(cfg, 'Host *\n  HostKeyAlias elsewhere.example\n');
    await refused(
      wrongPinCase(),
      [],
      { ANSIBLE_SSH_COMMON_ARGS: `-F ${cfg}` },
      /HostKeyAlias elsewhere\.example/,
    );
  });

  it('doctor fails on an override, naming it', async () => {
    const root = wrongPinCase();
    addVar(root, "ansible_ssh_args: '-o StrictHostKeyChecking=no'");
    const r = await cli(['-C', root, '--json', 'doctor'], bed.env);
    expect(r.exitCode).toBe(1);
    const check = JSON.parse(r.stdout).checks.find((c: { id: string }) => c.id === 'host-key-pin');
    expect(check.status).toBe('fail');
    expect(check.details.join('\n')).toContain('ansible_ssh_args is set');
  });
});
