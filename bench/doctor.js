#!/usr/bin/env node
// Bench: `matrix-oob doctor` runs its independent checks in parallel. Measures one full doctor
// run on a case against a real sshd on loopback (ssh login with the pinned key) and the fixture
// playbook, as shipped (parallel) and with the same child processes forced one at a time.
// Run: npm run bench -- doctor   (or node bench/doctor.js after npm run build)
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { capture } from '../dist/adapters/process.js';
import { runDoctor } from '../dist/doctor/index.js';
import { startSshd } from '../tests/helpers/sshd.js';

const ROUNDS = 5;
const dir = mkdtempSync(join(tmpdir(), 'matrix-oob-bench-doctor-'));
// A real sshd on loopback.
const sshd = await startSshd();
const port = sshd.port;

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
writeFileSync(join(root, 'known_hosts'), `${sshd.knownHostsLine}\n`);

// The same adapter, forced to one child process at a time.
let chain = Promise.resolve();
const sequential = (file, args, opts) => {
  const next = chain.then(() => capture(file, args, opts));
  chain = next.catch(() => {});
  return next;
};

const env = { ...process.env, ANSIBLE_PRIVATE_KEY_FILE: sshd.clientKey };
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
await sshd.stop();
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
