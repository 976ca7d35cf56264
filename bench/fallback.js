#!/usr/bin/env node
// Bench: a case with a fallback server deploys both servers in one ansible-playbook run per
// stage (Ansible's forks), not one run per server. Measured side by side on the fixture playbook
// (tests/fixtures/mdad) over two real sshd on loopback: the stage commands of
// `deploy --dry-run` run once for both hosts ("together") against the same commands run once
// per host with --limit, one after the other ("separately"). Rounds alternate the order; the
// figure is the ratio of the medians (below 1: together is faster).
//
// Run: npm run bench -- fallback   (or node bench/fallback.js after npm run build)
// Env: BENCH_ROUNDS (default 3).
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSshd } from '../tests/helpers/sshd.js';
import { fixtureCheckout } from './fixture.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(root, 'bin/matrix-oob.js');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const dir = mkdtempSync(join(tmpdir(), 'matrix-oob-bench-fallback-'));
const servers = [];

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function run(commands, env, limit) {
  const t = performance.now();
  for (const c of commands) {
    const r = spawnSync('sh', ['-c', limit ? `${c} --limit ${limit}` : c], { env, stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`${c} failed (${r.status})`);
  }
  return performance.now() - t;
}

try {
  const [a, b] = await Promise.all([startSshd(), startSshd()]);
  servers.push(a, b);
  appendFileSync(join(b.dir, 'authorized_keys'), readFileSync(`${a.clientKey}.pub`));
  const co = fixtureCheckout(join(dir, 'mdad'));
  const caseDir = join(dir, 'case');
  const cfg = `${caseDir}.yml`;
  writeFileSync(
    cfg,
    `domain: main.test\nserver:\n  address: 127.0.0.1\n  ssh_port: ${a.port}\nfallback:\n  - domain: backup.test\n    server:\n      address: 127.0.0.1\n      ssh_port: ${b.port}\nplaybook:\n  path: ${co}\n`,
  );
  execFileSync('node', [CLI, 'init', '--config', cfg, '--yes', caseDir], { stdio: 'ignore' });
  writeFileSync(join(caseDir, 'known_hosts'), `${a.knownHostsLine}\n${b.knownHostsLine}\n`, { mode: 0o600 });
  const env = {
    ...process.env,
    ANSIBLE_PRIVATE_KEY_FILE: a.clientKey,
    MDAD_FIXTURE_DATA: join(dir, 'data'),
    MDAD_FIXTURE_PER_HOST: '1',
    NO_COLOR: '1',
    MATRIX_OOB_SKIP_DNS_CHECK: '1',
  };
  delete env.FORCE_COLOR;
  const plan = JSON.parse(
    execFileSync('node', [CLI, '-C', caseDir, '--json', 'deploy', '--dry-run'], {
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }),
  );
  const commands = plan.stages.map((s) => s.command);
  const together = [];
  const separately = [];
  for (let i = 0; i < ROUNDS; i++) {
    const both = () => together.push(run(commands, env));
    const each = () =>
      separately.push(run(commands, env, 'matrix.main.test') + run(commands, env, 'matrix.backup.test'));
    if (i % 2 === 0) {
      both();
      each();
    } else {
      each();
      both();
    }
  }
  const f = (ms) => `${(ms / 1000).toFixed(2)} s`;
  console.log(
    'deploy of a case with one fallback server, fixture playbook over two loopback sshd (setup + start)',
  );
  console.log(`  rounds                              ${ROUNDS} (alternating order)`);
  console.log(
    `  one run per stage, both hosts       ${together.map(f).join(', ')}  (median ${f(median(together))})`,
  );
  console.log(
    `  one run per stage per host (--limit) ${separately.map(f).join(', ')}  (median ${f(median(separately))})`,
  );
  console.log(
    `  load average (1 min)                ${loadavg()[0].toFixed(2)} on ${cpus().length} CPUs (wall times are noisy under load)`,
  );
  console.log(
    `RESULT fallback together_vs_separate=${(median(together) / median(separately)).toFixed(3)} aim=0.75`,
  );
} finally {
  await Promise.all(servers.map((s) => s.stop()));
  rmSync(dir, { recursive: true, force: true });
}
