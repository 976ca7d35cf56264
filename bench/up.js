#!/usr/bin/env node
// Bench: how many ansible-playbook runs `matrix-oob up` makes against the server for a case with
// 5 users, on the fixture playbook (tests/fixtures/mdad) over a real sshd on loopback.
// An `ansible-playbook` first on PATH records each call, then runs the real one. Counted: runs
// against the server (setup.yml stages, the users, the pre-setup preflight hook playbook); not
// counted: `--list-tags` and the local configuration checks (they never leave this machine),
// reported on their own line.
//
// Before: setup + start + one register-user run per user + the preflight hook = 2 + 5 + 1.
// Now: the users are created by the setup run (MDAD's matrix-user-creator).
//
// Run: npm run bench -- up   (or node bench/up.js after npm run build)
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSshd } from '../tests/helpers/sshd.js';
import { collectionPath, fixtureCheckout } from './fixture.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(root, 'bin/matrix-oob.js');
const USERS = 5;
const dir = mkdtempSync(join(tmpdir(), 'matrix-oob-bench-up-'));
const sshd = await startSshd();
try {
  const checkout = fixtureCheckout(join(dir, 'mdad'));
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const calls = join(dir, 'calls.log');
  const real = execFileSync('sh', ['-c', 'command -v ansible-playbook'], { encoding: 'utf8' }).trim();
  writeFileSync(
    join(bin, 'ansible-playbook'),
    `#!/bin/sh\nprintf '%s\\n' "$*" >> '${calls}'\nexec '${real}' "$@"\n`,
  );
  chmodSync(join(bin, 'ansible-playbook'), 0o755);
  const users = Array.from({ length: USERS }, (_, i) => `  - name: analyst${i + 1}\n    admin: ${i === 0}`);
  const cfg = join(dir, 'case.yml');
  writeFileSync(
    cfg,
    [
      'domain: bench.test',
      'server:',
      `  address: ${sshd.host}`,
      `  ssh_port: ${sshd.port}`,
      'users:',
      ...users,
      'playbook:',
      `  path: ${checkout}`,
      '',
    ].join('\n'),
  );
  const env = {
    ...process.env,
    PATH: `${bin}:${process.env.PATH}`,
    ANSIBLE_PRIVATE_KEY_FILE: sshd.clientKey,
    ANSIBLE_COLLECTIONS_PATH: collectionPath(dir),
    ANSIBLE_COLLECTIONS_SCAN_SYS_PATH: 'false',
    MDAD_FIXTURE_DATA: join(dir, 'data'),
    MATRIX_OOB_MIN_ANSIBLE_CORE: '2.14',
    MATRIX_OOB_SKIP_DNS_CHECK: '1',
    NO_COLOR: '1',
  };
  const caseDir = join(dir, 'case');
  const t = performance.now();
  // verify and the control room need a real homeserver: their hooks are skipped.
  const r = spawnSync(
    'node',
    [
      CLI,
      '-C',
      caseDir,
      'up',
      '--config',
      cfg,
      '--yes',
      '--fingerprint',
      sshd.hostFingerprint,
      '--skip-hook',
      '10-verify',
      '--skip-hook',
      '10-control-room',
    ],
    { env, encoding: 'utf8' },
  );
  const seconds = (performance.now() - t) / 1000;
  const lines = readFileSync(calls, 'utf8')
    .trim()
    .split('\n')
    .filter((l) => l !== '--version');
  const listTags = lines.filter((l) => l.includes('--list-tags')).length;
  const local = lines.filter((l) => /matrix-oob-checks-[^/]*\/checks\.yml/.test(l)).length;
  const server = lines.length - listTags - local;
  const creds = spawnSync('sh', ['-c', `ls ${join(caseDir, 'credentials')}/*.txt | wc -l`], {
    encoding: 'utf8',
  });
  process.stdout.write(
    `up exit ${r.status} in ${seconds.toFixed(1)}s; credentials files: ${creds.stdout.trim()}/${USERS}; ansible-playbook runs: ${lines.length} (${listTags} --list-tags, ${local} local checks, ${server} against the server)\n`,
  );
  for (const l of lines) process.stdout.write(`  ansible-playbook ${l.replace(dir, '<tmp>')}\n`);
  if (r.status !== 0) process.stdout.write(`${r.stderr.split('\n').slice(-15).join('\n')}\n`);
  process.stdout.write(`RESULT up playbook_runs=${server} aim=3\n`);
  process.exitCode = r.status === 0 ? 0 : 1;
} finally {
  await sshd.stop();
  rmSync(dir, { recursive: true, force: true });
}
