#!/usr/bin/env node
// Bench: `matrix-oob doctor` runs its independent checks in parallel. Measures one full doctor
// run on a case against a real sshd on loopback (ssh login with the pinned key) and the fixture
// playbook, as shipped (parallel) and with the same child processes forced one at a time.
// Run: npm run bench -- doctor   (or node bench/doctor.js after npm run build)
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { capture } from '../dist/adapters/process.js';
import { runDoctor } from '../dist/doctor/index.js';

const ROUNDS = 5;
const dir = mkdtempSync(join(tmpdir(), 'matrix-oob-bench-doctor-'));
const keygen = (f) => execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', f]);

// A real sshd on loopback.
const port = await new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => resolve(p));
  });
});
keygen(join(dir, 'host_key'));
keygen(join(dir, 'client_key'));
writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client_key.pub')));
mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
writeFileSync(
  join(dir, 'sshd_config'),
  [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${join(dir, 'host_key')}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'PermitRootLogin prohibit-password',
    'PasswordAuthentication no',
    'StrictModes no',
    'UsePAM no',
    '',
  ].join('\n'),
);
const sshd = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: 'ignore' });
for (let ok = false; !ok; ) {
  ok = await new Promise((r) => {
    const c = createConnection({ host: '127.0.0.1', port });
    c.once('connect', () => {
      c.destroy();
      r(true);
    });
    c.once('error', () => setTimeout(() => r(false), 50));
  });
}

// A case folder with the fixture playbook and the host key pinned.
const root = join(dir, 'case');
const hv = join(root, 'inventory/host_vars/matrix.bench.test');
mkdirSync(hv, { recursive: true });
cpSync(new URL('../tests/fixtures/mdad', import.meta.url), join(root, 'playbook'), { recursive: true });
writeFileSync(
  join(root, 'matrix-oob.yml'),
  `domain: bench.test\nserver:\n  address: 127.0.0.1\n  ssh_port: ${port}\n`,
);
writeFileSync(
  join(root, 'inventory/hosts'),
  `[matrix_servers]\nmatrix.bench.test ansible_host=127.0.0.1 ansible_port=${port} ansible_ssh_user=root\n`,
);
writeFileSync(
  join(hv, 'vars.yml'),
  'matrix_domain: bench.test\nmatrix_playbook_migration_validated_version: v2026.05.18.0\n',
);
const hostKey = readFileSync(join(dir, 'host_key.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
writeFileSync(join(root, 'known_hosts'), `[127.0.0.1]:${port} ${hostKey}\n`);

// The same adapter, forced to one child process at a time.
let chain = Promise.resolve();
const sequential = (file, args, opts) => {
  const next = chain.then(() => capture(file, args, opts));
  chain = next.catch(() => {});
  return next;
};

const env = { ...process.env, ANSIBLE_PRIVATE_KEY_FILE: join(dir, 'client_key') };
async function time(cap) {
  const started = performance.now();
  const { report } = await runDoctor({
    caseDir: root,
    capture: cap,
    env,
    minAnsibleCore: '2.14',
    minCommunityDocker: '3.6.0',
    sshTimeoutSec: 10,
  });
  const ssh = report.checks.find((c) => c.id === 'ssh');
  if (ssh.status !== 'pass') throw new Error(`bench ssh check failed: ${ssh.summary}`);
  return performance.now() - started;
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

await time(capture); // warm-up (loads execa, fills the page cache)
const par = [];
const seq = [];
for (let i = 0; i < ROUNDS; i++) {
  par.push(await time(capture));
  seq.push(await time(sequential));
}
sshd.kill('SIGTERM');
rmSync(dir, { recursive: true, force: true });

const p = median(par);
const s = median(seq);
console.log(
  `doctor: 10 checks (ansible-playbook --version, git, ssh login to a loopback sshd), median of ${ROUNDS} runs`,
);
console.log('mode          median ms');
console.log(`parallel      ${p.toFixed(0).padStart(9)}`);
console.log(`one-by-one    ${s.toFixed(0).padStart(9)}`);
console.log(`RESULT doctor speedup=${(s / p).toFixed(2)} aim=1.2`);
