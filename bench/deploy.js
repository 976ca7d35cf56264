#!/usr/bin/env node
// Bench: the cost of matrix-oob around ansible-playbook, and its streaming.
//
// 1. deploy ratio: `matrix-oob deploy` (setup + start, including its tag check: listed once, then cached per commit) against
//    the same two ansible-playbook commands run directly (same environment, same SSH settings),
//    on the fixture playbook (tests/fixtures/mdad) over a real sshd on loopback. Rounds alternate
//    the order; the figure is the ratio of the medians.
// 2. streaming: the real CLI (`deploy --stage start`) runs a stand-in `ansible-playbook` (first
//    on PATH) that prints 100 MB progressively, in lines, with time marks. Real Ansible buffers a
//    task's output until the task ends, so the stand-in is what can show that lines reach the
//    terminal as they are produced. Peak memory is the CLI's max RSS (GNU time).
//
// Run: npm run bench -- deploy   (or node bench/deploy.js after npm run build)
// Env: BENCH_ROUNDS (default 3), BENCH_STREAM_MB (default 100).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSshd } from '../tests/helpers/sshd.js';
import { fixtureCheckout } from './fixture.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(root, 'bin/matrix-oob.js');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const STREAM_MB = Number(process.env.BENCH_STREAM_MB ?? 100);
const dir = mkdtempSync(join(tmpdir(), 'matrix-oob-bench-deploy-'));
let sshd;

function makeCase(name, checkout) {
  const caseDir = join(dir, name);
  const cfg = `${caseDir}.yml`;
  writeFileSync(
    cfg,
    `domain: bench.test\nserver:\n  address: 127.0.0.1\n  ssh_port: ${sshd.port}\nplaybook:\n  path: ${checkout}\n`,
  );
  execFileSync('node', [CLI, 'init', '--config', cfg, '--yes', caseDir], { stdio: 'ignore' });
  writeFileSync(join(caseDir, 'known_hosts'), `${sshd.knownHostsLine}\n`, { mode: 0o600 });
  return caseDir;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const now = () => performance.now();

/** The exact commands `deploy --dry-run --json` prints, run directly through sh. */
function directRun(caseDir, env) {
  const plan = JSON.parse(
    execFileSync('node', [CLI, '-C', caseDir, '--json', 'deploy', '--dry-run'], { env, encoding: 'utf8' }),
  );
  const cp = mkdtempSync(join(tmpdir(), 'moob-cp-'));
  const t = now();
  for (const s of plan.stages) {
    const r = spawnSync('sh', ['-c', s.command], {
      env: { ...env, ANSIBLE_SSH_CONTROL_PATH_DIR: cp },
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    if (r.status !== 0) throw new Error(`direct ${s.stage} failed (${r.status})`);
  }
  const ms = now() - t;
  spawnSync('sh', ['-c', `for s in "${cp}"/*; do [ -S "$s" ] && ssh -o ControlPath="$s" -O exit x; done`], {
    stdio: 'ignore',
  });
  rmSync(cp, { recursive: true, force: true });
  return ms;
}

function toolRun(caseDir, env) {
  rmSync(join(caseDir, 'state.json'), { force: true });
  const t = now();
  const r = spawnSync('node', [CLI, '-C', caseDir, 'deploy'], { env, stdio: ['ignore', 'ignore', 'ignore'] });
  if (r.status !== 0) throw new Error(`matrix-oob deploy failed (${r.status})`);
  return now() - t;
}

/** A stand-in ansible-playbook: --list-tags answers like Ansible; a run prints STREAM_MB progressively. */
function fakeAnsible(binDir) {
  mkdirSync(binDir);
  const file = join(binDir, 'ansible-playbook');
  writeFileSync(
    file,
    `#!/usr/bin/env node
const { writeSync } = require('node:fs');
if (process.argv.includes('--list-tags')) {
  console.log('  play #1 (matrix_servers): x\\tTAGS: []\\n      TASK TAGS: [always, install-all, ensure-matrix-users-created, start]');
  process.exit(0);
}
const total = Number(process.env.FAKE_MB) * 1024 * 1024;
const line = 'x'.repeat(99) + '\\n';
const perMark = 1024 * 1024;
let written = 0;
writeSync(1, 'TASK [stand-in : print ' + process.env.FAKE_MB + ' MB] ***\\n');
while (written < total) {
  writeSync(1, 'MARK ' + Date.now() + '\\n');
  for (let i = 0; i < perMark; i += line.length) writeSync(1, line);
  written += perMark;
}
writeSync(1, '\\nPLAY RECAP ***\\nmatrix.bench.test : ok=1 changed=0 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0\\n');
`,
  );
  chmodSync(file, 0o755);
  // CommonJS for the stand-in (the repo is "type": "module").
  writeFileSync(join(binDir, 'package.json'), '{"type":"commonjs"}');
  return binDir;
}

function streamRun(caseDir, env) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      '/usr/bin/time',
      ['-f', 'MAXRSS_KB %M', 'node', CLI, '-C', caseDir, 'deploy', '--stage', 'start', '--from-start'],
      { env, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let carry = '';
    let bytes = 0;
    let maxLag = 0;
    let marks = 0;
    let rss = 0;
    child.stderr.on('data', (chunk) => {
      bytes += chunk.length;
      const text = carry + chunk.toString('latin1');
      const lines = text.split('\n');
      carry = lines.pop() ?? '';
      const t = Date.now();
      for (const l of lines) {
        if (l.startsWith('MARK ')) {
          marks++;
          maxLag = Math.max(maxLag, t - Number(l.slice(5)));
        } else if (l.startsWith('MAXRSS_KB ')) rss = Number(l.slice(10));
      }
    });
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0
        ? resolvePromise({ bytes, marks, maxLag, rssMb: rss / 1024 })
        : reject(new Error(`exit ${code}`)),
    );
  });
}

try {
  sshd = await startSshd();
  const checkout = fixtureCheckout(join(dir, 'mdad'));
  const caseDir = makeCase('case', checkout);
  const env = {
    ...process.env,
    ANSIBLE_PRIVATE_KEY_FILE: sshd.clientKey,
    MDAD_FIXTURE_DATA: join(dir, 'data'),
    NO_COLOR: '1',
    // No DNS on this machine: deploy's DNS gate is bypassed (as in the tests).
    MATRIX_OOB_SKIP_DNS_CHECK: '1',
  };
  delete env.FORCE_COLOR;

  const tool = [];
  const direct = [];
  for (let i = 0; i < ROUNDS; i++) {
    if (i % 2 === 0) {
      direct.push(directRun(caseDir, env));
      tool.push(toolRun(caseDir, env));
    } else {
      tool.push(toolRun(caseDir, env));
      direct.push(directRun(caseDir, env));
    }
  }
  const lt = now();
  spawnSync('ansible-playbook', ['-i', join(caseDir, 'inventory/hosts'), 'setup.yml', '--list-tags'], {
    cwd: checkout,
    stdio: 'ignore',
  });
  const listTagsMs = now() - lt;
  const ratio = median(tool) / median(direct);

  const streamCase = makeCase('stream-case', checkout);
  const bin = fakeAnsible(join(dir, 'bin'));
  const small = await streamRun(streamCase, { ...env, PATH: `${bin}:${process.env.PATH}`, FAKE_MB: '1' });
  const s = await streamRun(streamCase, {
    ...env,
    PATH: `${bin}:${process.env.PATH}`,
    FAKE_MB: String(STREAM_MB),
  });

  const f = (ms) => `${(ms / 1000).toFixed(2)} s`;
  console.log('deploy on the fixture playbook over loopback sshd (setup + start)');
  console.log(`  rounds                       ${ROUNDS} (alternating order)`);
  console.log(`  ansible-playbook directly    ${direct.map(f).join(', ')}  (median ${f(median(direct))})`);
  console.log(`  matrix-oob deploy            ${tool.map(f).join(', ')}  (median ${f(median(tool))})`);
  console.log(
    `  --list-tags check            ~${f(listTagsMs)} when listed; cached per commit after the first deploy (clean git checkout)`,
  );
  console.log(`  ratio of the fastest runs    ${(Math.min(...tool) / Math.min(...direct)).toFixed(3)}`);
  console.log(
    `  load average (1 min)         ${loadavg()[0].toFixed(2)} on ${cpus().length} CPUs (wall times are noisy under load)`,
  );
  console.log('streaming (stand-in ansible-playbook printing progressively, through the real CLI)');
  console.log(
    `  output streamed              ${(s.bytes / 1024 / 1024).toFixed(1)} MB, ${s.marks} time marks`,
  );
  console.log(`  worst mark-to-terminal lag   ${s.maxLag} ms`);
  console.log(
    `  CLI peak memory (max RSS)    ${s.rssMb.toFixed(1)} MB (the same CLI streaming 1 MB: ${small.rssMb.toFixed(1)} MB)`,
  );
  console.log(`RESULT deploy ratio=${ratio.toFixed(3)} aim=1.05`);
  console.log(`RESULT stream peak_mb=${s.rssMb.toFixed(1)} aim=150`);
  console.log(`RESULT stream lag_ms=${s.maxLag} aim=1000`);
} finally {
  await sshd?.stop();
  rmSync(dir, { recursive: true, force: true });
}
