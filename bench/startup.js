#!/usr/bin/env node
// Startup cost of the CLI, measured side by side with bare node in one run (interleaved rounds,
// after a warm-up), so machine load affects every command alike. Run: npm run bench -- startup
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'bin', 'matrix-oob.js');
const example = join(root, 'examples', 'case.yml');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const WARMUP = 2;
const HELP_AIM = 1.5;
const INIT_AIM = 4;

const env = { ...process.env, NO_COLOR: '1' };
delete env.CI;
const work = mkdtempSync(join(tmpdir(), 'matrix-oob-bench-'));

const commands = [
  { name: 'node -e 0', args: ['-e', '0'] },
  // The floor for --help: node plus commander, the one library cli.ts must load.
  { name: 'node + import commander', args: ['--input-type=module', '-e', "import 'commander';"] },
  { name: 'matrix-oob --help', args: [cli, '--help'] },
  {
    name: 'init --config --yes --dry-run',
    args: [cli, 'init', '--config', example, '--yes', '--dry-run', join(work, 'case')],
  },
];

function once(cmd) {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, cmd.args, { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  return { ms, status: r.status, stderr: String(r.stderr ?? '') };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

try {
  if (!existsSync(join(root, 'dist', 'index.js'))) {
    process.stderr.write('dist/ is missing: run "npm run build" first (npm run bench -- startup does)\n');
    process.exit(2);
  }
  // A command that cannot run yet (e.g. init before it lands) is skipped with a note.
  const skipped = new Map();
  if (!existsSync(example)) skipped.set(commands[3].name, 'examples/case.yml does not exist');
  for (const cmd of commands) {
    if (skipped.has(cmd.name)) continue;
    const r = once(cmd);
    if (r.status !== 0) skipped.set(cmd.name, `exit ${r.status}: ${r.stderr.trim().split('\n')[0]}`);
  }
  const active = commands.filter((c) => !skipped.has(c.name));
  for (let i = 0; i < WARMUP; i++) for (const cmd of active) once(cmd);
  const loadBefore = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  const times = new Map(active.map((c) => [c.name, []]));
  for (let i = 0; i < ROUNDS; i++) {
    for (const cmd of active) times.get(cmd.name).push(once(cmd).ms);
  }

  const base = median(times.get('node -e 0'));
  const rows = active.map((c) => {
    const t = times.get(c.name);
    return { name: c.name, median: median(t), min: Math.min(...t), ratio: median(t) / base };
  });
  const w = Math.max(...commands.map((c) => c.name.length));
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  console.log(
    `startup: median wall time of ${ROUNDS} interleaved runs each (after ${WARMUP} warm-up rounds)`,
  );
  console.log(`${'command'.padEnd(w)}  median ms  min ms  x node`);
  for (const r of rows) {
    console.log(
      `${r.name.padEnd(w)}  ${r.median.toFixed(1).padStart(9)}  ${r.min.toFixed(1).padStart(6)}  ${r.ratio.toFixed(2).padStart(6)}`,
    );
  }
  for (const [name, why] of skipped) console.log(`${name.padEnd(w)}  skipped: ${why}`);
  console.log(
    `load average before: ${loadBefore}, after: ${load} (${cpus().length} CPUs; high load inflates ratios)`,
  );
  const ratio = (name) => rows.find((r) => r.name === name)?.ratio;
  const help = ratio('matrix-oob --help');
  const init = ratio('init --config --yes --dry-run');
  if (help !== undefined) console.log(`RESULT startup help_ratio=${help.toFixed(2)} aim=${HELP_AIM}`);
  if (init !== undefined) console.log(`RESULT startup init_dry_run_ratio=${init.toFixed(2)} aim=${INIT_AIM}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
