#!/usr/bin/env node
// Bench: the redactor on a realistic case (issue #9): two vars.yml secrets, the ~120 secrets MDAD
// derives from matrix_homeserver_generic_secret_key, three hostile user passwords, each in every
// escaped form. It filters Ansible-like output (some lines holding secrets) and is compared, in
// the same run on the same input, with the redactor it replaced (a split/join per known form,
// five forms per secret), which missed most forms. The aim: the full redactor keeps up with far
// more output than Ansible ever prints (>= 20 MB/s), and costs at most a few times the old one.
//
// Run: npm run bench -- redact   (or node bench/redact.js after npm run build)
// Env: BENCH_MB (default 20).
import { createHash, randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { Redactor } = await import(join(root, 'dist/secrets/redact.js'));
const { toUuid } = await import(join(root, 'dist/secrets/derived.js'));
const MB = Number(process.env.BENCH_MB ?? 20);

/** The redactor before issue #9 (raw, JSON, YAML '', Python repr, shlex forms; split/join). */
class OldRedactor {
  constructor(secrets) {
    this.forms = new Set();
    for (const s of secrets) {
      if (s.length < 4) continue;
      this.forms.add(s);
      this.forms.add(JSON.stringify(s).slice(1, -1));
      this.forms.add(s.replace(/'/g, "''"));
      this.forms.add(s.replace(/\\/g, '\\\\').replace(/'/g, "\\'"));
      this.forms.add(s.replace(/'/g, `'"'"'`));
    }
    this.sorted = [...this.forms].sort((a, b) => b.length - a.length);
  }
  redact(text) {
    let out = text;
    for (const f of this.sorted) if (out.includes(f)) out = out.split(f).join('[REDACTED]');
    return out;
  }
}

const alnum = () =>
  randomBytes(48)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, 64);
const generic = alnum();
const secrets = [
  generic,
  alnum(),
  ...Array.from({ length: 120 }, (_, i) =>
    toUuid(createHash('sha512').update(`${generic}:s${i}`).digest('hex')),
  ),
  `it's-"a"-{{ hostile }}-\\pass-%s-$HOME-é€😀`,
  "Hunter2-{{-TopSecret'",
  'pässwörd with spaces and ` backticks',
];

const lines = [];
const sample = [
  'TASK [custom/matrix-synapse : Ensure Synapse configuration installed] ***********',
  'ok: [matrix.example.test] => (item=/matrix/synapse/config/homeserver.yaml)',
  'changed: [matrix.example.test] => {"changed": true, "checksum": "55077da0597dd386090cf9df210e9dc9bda16343", "dest": "/matrix/synapse/config/homeserver.yaml", "gid": 0, "group": "root", "mode": "0644"}',
  '    msg: All items completed',
  'skipping: [matrix.example.test] => (item={"name": "matrix-synapse", "state": "started"})',
];
let size = 0;
let i = 0;
while (size < MB * 1024 * 1024) {
  let l = sample[i % sample.length];
  if (i % 200 === 0) l += ` registration_shared_secret: ${secrets[2 + (i % 120)]}`;
  if (i % 997 === 0)
    l += ` cmd: ${JSON.stringify(`hash_password -p '${secrets[122].replace(/'/g, `'"'"'`)}'`)}`;
  lines.push(l);
  size += l.length + 1;
  i++;
}

function run(r) {
  const t = performance.now();
  let leaks = 0;
  for (const l of lines) {
    const out = r.redact(l);
    if (out.includes(secrets[122]) || out.includes('\\"\'\\"\'s-')) leaks++;
  }
  return { ms: performance.now() - t, leaks };
}

const buildStart = performance.now();
const next = new Redactor(secrets);
next.redact('warm');
const buildMs = performance.now() - buildStart;
const old = new OldRedactor(secrets);
const times = { next: [], old: [] };
const leaks = { next: 0, old: 0 };
for (let round = 0; round < 3; round++) {
  for (const [name, r] of round % 2
    ? [
        ['old', old],
        ['next', next],
      ]
    : [
        ['next', next],
        ['old', old],
      ]) {
    const res = run(r);
    times[name].push(res.ms);
    leaks[name] = res.leaks;
  }
}
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const mbs = (ms) => Math.round((size / 1024 / 1024 / (ms / 1000)) * 10) / 10;
console.log(
  `input: ${lines.length} lines, ${(size / 1024 / 1024).toFixed(1)} MB; ${secrets.length} secrets, ${next.size} forms (built in ${Math.round(buildMs)} ms)`,
);
console.log(`old redactor: ${mbs(median(times.old))} MB/s, lines with a leaked form: ${leaks.old}`);
console.log(`new redactor: ${mbs(median(times.next))} MB/s, lines with a leaked form: ${leaks.next}`);
console.log(`RESULT redact throughput_mb_s=${mbs(median(times.next))} aim=20`);
console.log(`RESULT redact slowdown_vs_old=${(median(times.next) / median(times.old)).toFixed(2)} aim=5`);
console.log(`RESULT redact leaked_lines=${leaks.next} aim=0`);
