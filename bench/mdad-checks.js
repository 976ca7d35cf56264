#!/usr/bin/env node
// Bench: the playbook's own configuration checks, run locally (what `doctor` shows as
// "playbook's own checks"), on the REAL matrix-docker-ansible-deploy at the pinned commit
// (../shared/mdad, unpacked into a temporary folder) against the inventory `matrix-oob init`
// writes for examples/case.yml. First run: every validate_*.yml a setup run would execute;
// re-run: the cache keyed by (checkout commit, inventory content).
//
// Run: npm run bench -- mdad-checks   (or node bench/mdad-checks.js after npm run build)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { capture } from '../dist/adapters/process.js';
import { runLocalChecks } from '../dist/playbook/checks/run.js';
import { PINNED_COMMIT } from '../dist/playbook/pin.js';
import { locateShared } from '../tests/helpers/shared.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const located = locateShared('mdad');
if (!located.dir) {
  process.stderr.write(`mdad-checks needs the real MDAD: ${located.reason}\n`);
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), 'matrix-oob-bench-checks-'));
try {
  const run = (file, args, cwd = dir) => execFileSync(file, args, { cwd, stdio: 'ignore' });
  run('tar', ['-xzf', join(located.dir, 'matrix-docker-ansible-deploy.git.tar.gz')]);
  const checkout = join(dir, 'checkout');
  run('git', ['clone', '-q', '--no-checkout', join(dir, 'matrix-docker-ansible-deploy.git'), checkout]);
  run('git', ['-c', 'advice.detachedHead=false', 'checkout', '-q', '--detach', PINNED_COMMIT], checkout);
  run('tar', ['-xzf', join(located.dir, 'galaxy-roles.tar.gz'), '-C', join(checkout, 'roles')]);
  const caseDir = join(dir, 'case');
  run('node', [
    join(root, 'bin/matrix-oob.js'),
    'init',
    '--config',
    join(root, 'examples/case.yml'),
    '--yes',
    caseDir,
  ]);
  const req = {
    checkout,
    inventory: join(caseDir, 'inventory', 'hosts'),
    capture,
    env: process.env,
    cacheFile: join(caseDir, '.cache', 'mdad-checks.json'),
  };
  const first = await runLocalChecks(req);
  const again = await runLocalChecks(req);
  process.stdout.write(
    `real MDAD ${PINNED_COMMIT.slice(0, 12)}: ${first.checks} validate files, status ${first.status} (${first.failures.length} failures); re-run ${again.cached ? 'from the cache' : 'NOT cached'}; load average ${loadavg()[0].toFixed(1)}\n`,
  );
  process.stdout.write(`RESULT mdad-checks seconds=${first.seconds} aim=60\n`);
  process.stdout.write(`RESULT mdad-checks cached_seconds=${again.seconds} aim=1\n`);
  process.exitCode = first.status === 'pass' && again.cached ? 0 : 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
