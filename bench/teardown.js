#!/usr/bin/env node
// Bench: `matrix-oob teardown` on a case without a playbook checkout, over a real sshd on loopback.
//
// 1. ansible.cfg: the shipped playbooks/teardown.yml run exactly as `teardown --dry-run --json`
//    prints it (cwd playbooks/, whose ansible.cfg turns on pipelining), against the same command
//    run from an empty folder (Ansible's defaults). Same environment, same SSH settings.
// 2. overhead: `matrix-oob teardown --confirm` (plan, stop-step decision, the run, local cleanup,
//    journal, state) against the direct command above. Its fixed cost is the CLI's start (~0.4 s
//    here: Node, config validation, YAML), large next to this 3-4 s fixture run and negligible
//    next to a real remove-all (minutes: Docker prune, deleting the media store).
// Each round gives the server a data folder with a remove-all script (like MDAD's) and the case
// its vars.yml back. Rounds alternate the order; figures are ratios of the medians.
//
// Run: npm run bench -- teardown   (or node bench/teardown.js after npm run build)
// Env: BENCH_ROUNDS (default 3).
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSshd } from '../tests/helpers/sshd.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(root, 'bin/matrix-oob.js');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const dir = mkdtempSync(join(tmpdir(), 'matrix-oob-bench-teardown-'));
let sshd;

const data = () => join(dir, 'server-data');
const varsFile = (caseDir) => join(caseDir, 'inventory/host_vars/matrix.bench.test/vars.yml');

/** A case whose playbook checkout is gone after init (teardown then runs from playbooks/). */
function makeCase() {
  const caseDir = join(dir, 'case');
  const checkout = join(dir, 'checkout');
  cpSync(join(root, 'tests/fixtures/mdad'), checkout, { recursive: true });
  const cfg = `${caseDir}.yml`;
  writeFileSync(
    cfg,
    `domain: bench.test\nserver:\n  address: 127.0.0.1\n  ssh_port: ${sshd.port}\nplaybook:\n  path: ${checkout}\n`,
  );
  execFileSync('node', [CLI, 'init', '--config', cfg, '--yes', caseDir], { stdio: 'ignore' });
  rmSync(checkout, { recursive: true, force: true });
  writeFileSync(join(caseDir, 'known_hosts'), `${sshd.knownHostsLine}\n`, { mode: 0o600 });
  writeFileSync(
    varsFile(caseDir),
    `${readFileSync(varsFile(caseDir), 'utf8')}\nmatrix_base_data_path: ${data()}\n`,
  );
  copyFileSync(varsFile(caseDir), join(dir, 'vars.yml.saved'));
  return caseDir;
}

/** What the server and the case look like before each run. */
function reset(caseDir) {
  rmSync(data(), { recursive: true, force: true });
  mkdirSync(join(data(), 'bin'), { recursive: true });
  mkdirSync(join(data(), 'postgres'));
  writeFileSync(join(data(), 'postgres', 'db'), 'rows\n');
  const script = join(data(), 'bin', 'remove-all');
  writeFileSync(
    script,
    `#!/bin/sh\nread -r answer\n[ "$answer" = "Yes, I really want to remove everything!" ] || exit 1\nrm -rf "${data()}"\n`,
  );
  chmodSync(script, 0o700);
  mkdirSync(dirname(varsFile(caseDir)), { recursive: true });
  copyFileSync(join(dir, 'vars.yml.saved'), varsFile(caseDir));
  rmSync(join(caseDir, 'state.json'), { force: true });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const now = () => performance.now();

function shRun(command, env) {
  const cp = mkdtempSync(join(tmpdir(), 'moob-cp-'));
  const t = now();
  const r = spawnSync('sh', ['-c', command], {
    env: { ...env, ANSIBLE_SSH_CONTROL_PATH_DIR: cp },
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  const ms = now() - t;
  spawnSync('sh', ['-c', `for s in "${cp}"/*; do [ -S "$s" ] && ssh -o ControlPath="$s" -O exit x; done`], {
    stdio: 'ignore',
  });
  rmSync(cp, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`direct run failed (${r.status}): ${command}`);
  return ms;
}

function toolRun(caseDir, env) {
  const t = now();
  const r = spawnSync('node', [CLI, '-C', caseDir, 'teardown', '--confirm', 'bench.test'], {
    env,
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  if (r.status !== 0) throw new Error(`matrix-oob teardown failed (${r.status})`);
  return now() - t;
}

async function main() {
  sshd = await startSshd();
  const env = { ...process.env, ANSIBLE_PRIVATE_KEY_FILE: sshd.clientKey, NO_COLOR: '1' };
  delete env.CI;
  const caseDir = makeCase();
  const plan = JSON.parse(
    execFileSync('node', [CLI, '-C', caseDir, '--json', 'teardown', '--dry-run'], {
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }),
  );
  const withCfg = plan.commands.at(-1);
  const empty = join(dir, 'empty');
  mkdirSync(empty);
  const withoutCfg = withCfg.replace(/^cd \S+ && /, `cd ${empty} && `);
  if (withoutCfg === withCfg) throw new Error(`unexpected command: ${withCfg}`);

  const cfg = [];
  const noCfg = [];
  const tool = [];
  const runs = {
    cfg: () => cfg.push(shRun(withCfg, env)),
    noCfg: () => noCfg.push(shRun(withoutCfg, env)),
    tool: () => tool.push(toolRun(caseDir, env)),
  };
  const order = Object.keys(runs);
  for (let i = 0; i < ROUNDS; i++) {
    const round = i % 2 === 0 ? order : [...order].reverse();
    for (const k of round) {
      reset(caseDir);
      runs[k]();
    }
  }
  const f = (ms) => `${(ms / 1000).toFixed(2)} s`;
  const speedup = median(noCfg) / median(cfg);
  const overhead = median(tool) / median(cfg);
  console.log('teardown.yml on a loopback sshd (case without a playbook checkout)');
  console.log(`  rounds                             ${ROUNDS} (alternating order)`);
  console.log(
    `  from an empty folder (defaults)    ${noCfg.map(f).join(', ')}  (median ${f(median(noCfg))})`,
  );
  console.log(`  from playbooks/ (its ansible.cfg)  ${cfg.map(f).join(', ')}  (median ${f(median(cfg))})`);
  console.log(`  matrix-oob teardown --confirm      ${tool.map(f).join(', ')}  (median ${f(median(tool))})`);
  console.log(`  speed-up of playbooks/ansible.cfg  ${speedup.toFixed(2)}x`);
  console.log(`  matrix-oob / direct run            ${overhead.toFixed(3)}`);
  console.log(
    `  load average (1 min)               ${loadavg()[0].toFixed(2)} on ${cpus().length} CPUs (wall times are noisy under load)`,
  );
  console.log(`RESULT teardown cfg_speedup=${speedup.toFixed(2)} aim=1.5`);
  console.log(`RESULT teardown ratio=${overhead.toFixed(3)} aim=1.15`);
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(async () => {
    await sshd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
