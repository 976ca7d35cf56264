#!/usr/bin/env node
// Bench: `matrix-oob watch`, run as shipped (the built CLI, live mode, default poll interval),
// against a loopback homeserver that answers the state source's calls (login, whois,
// keys/query) for a case of 12 accounts with 3 devices each. A new login (new device, new
// address) is made at a random moment of the poll cycle, ROUNDS times; detect_s is the slowest
// time from that login to the alert line on the CLI's stdout (--json). peak_mb is the CLI's
// peak resident memory (VmHWM) over the whole run, which also follows the journal over SSH
// through the loopback sshd when systemd-journal-remote is installed.
// Run: npm run bench -- watch   (or node bench/watch.js after npm run build)
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { startSshd } from '../tests/helpers/sshd.js';

const CLI = resolve(dirname(fileURLToPath(import.meta.url)), '../bin/matrix-oob.js');
const DOMAIN = 'bench-watch.test';
const USERS = 12;
const ROUNDS = 4;
const PASSWORD = randomBytes(18).toString('base64url');
const DEFAULT_INTERVAL_S = 5; // watch's default --interval

// ---- the homeserver: just what the state source asks ----
const conns = new Map();
const devices = new Map();
const tokens = new Set();
function login(user, device, ip, ua) {
  if (!devices.has(user)) devices.set(user, new Set());
  devices.get(user).add(device);
  const list = conns.get(user) ?? [];
  list.push({ ip, user_agent: ua, last_seen: Date.now() });
  conns.set(user, list);
}
const ids = Array.from({ length: USERS }, (_, i) => `@u${i}:${DOMAIN}`);
for (const u of ids)
  for (let d = 0; d < 3; d++) login(u, `DEV${d}${u.length}`, `198.51.100.${d + 1}`, 'Element/1.11');
let polls = 0;
const server = createServer((req, res) => {
  let raw = '';
  req.on('data', (c) => {
    raw += c;
  });
  req.on('end', () => {
    const path = decodeURIComponent((req.url ?? '').split('?')[0]);
    const send = (status, body) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (path === '/_matrix/client/v3/login') {
      const t = `syt_${randomBytes(12).toString('hex')}`;
      tokens.add(t);
      return send(200, { access_token: t, user_id: `@lead:${DOMAIN}`, device_id: 'WATCH' });
    }
    if (!tokens.has((req.headers.authorization ?? '').slice(7)))
      return send(401, { errcode: 'M_UNKNOWN_TOKEN' });
    if (path === '/_matrix/client/v3/logout') return send(200, {});
    const whois = /^\/_matrix\/client\/v3\/admin\/whois\/(.+)$/.exec(path);
    if (whois) {
      return send(200, {
        user_id: whois[1],
        devices: { '': { sessions: [{ connections: conns.get(whois[1]) ?? [] }] } },
      });
    }
    if (path === '/_matrix/client/v3/keys/query') {
      polls++;
      const wanted = Object.keys(JSON.parse(raw).device_keys);
      const out = {};
      for (const u of wanted) {
        out[u] = {};
        for (const d of devices.get(u) ?? [])
          out[u][d] = { user_id: u, device_id: d, algorithms: [], keys: {}, signatures: {} };
      }
      return send(200, { failures: {}, device_keys: out });
    }
    return send(404, { errcode: 'M_UNRECOGNIZED' });
  });
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${server.address().port}`;

// ---- the case ----
const dir = mkdtempSync(join(tmpdir(), 'matrix-oob-bench-watch-'));
let sshd;
let journalDir;
const haveJournal = existsSync('/lib/systemd/systemd-journal-remote');
if (haveJournal) {
  sshd = await startSshd();
  journalDir = join(dir, 'server-journal');
  mkdirSync(journalDir);
  const entry = `__REALTIME_TIMESTAMP=${Date.now() * 1000}\n__MONOTONIC_TIMESTAMP=1000\n_BOOT_ID=6a1f1fd2b2a54cbe9a7e2f7d0c4b1a01\n_SYSTEMD_UNIT=matrix-synapse.service\nMESSAGE=2026-11-29 10:00:00,123 - synapse.handlers.auth - 1 - WARNING - POST-1 - Failed password login for user @u1:${DOMAIN}\n\n`;
  execFileSync('/lib/systemd/systemd-journal-remote', ['--output', join(journalDir, 'remote.journal'), '-'], {
    input: entry,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
}
writeFileSync(
  join(dir, 'matrix-oob.yml'),
  stringify({
    domain: DOMAIN,
    server: sshd ? { address: '127.0.0.1', ssh_port: sshd.port } : { address: '203.0.113.10' },
    users: [{ name: 'lead', admin: true }, ...ids.map((u) => ({ name: u.slice(1).split(':')[0] }))],
  }),
  { mode: 0o600 },
);
mkdirSync(join(dir, 'credentials'), { mode: 0o700 });
writeFileSync(join(dir, 'credentials', 'lead.txt'), `password: ${PASSWORD}\n`, { mode: 0o600 });
if (sshd) writeFileSync(join(dir, 'known_hosts'), `${sshd.knownHostsLine}\n`, { mode: 0o600 });

const args = ['-C', dir, '--json', 'watch', '--homeserver-url', url];
if (sshd) args.push('--source', 'both', '--journal-dir', journalDir);
else args.push('--source', 'state');
const child = spawn(process.execPath, [CLI, ...args], {
  stdio: ['ignore', 'pipe', 'pipe'],
  env: { ...process.env, NO_COLOR: '1', ...(sshd ? { ANSIBLE_PRIVATE_KEY_FILE: sshd.clientKey } : {}) },
});
let stderr = '';
child.stderr.on('data', (d) => {
  stderr += d;
});
const waiters = [];
let carry = '';
child.stdout.on('data', (d) => {
  const lines = (carry + d).split('\n');
  carry = lines.pop() ?? '';
  const t = performance.now();
  for (const l of lines) {
    if (!l.trim()) continue;
    const a = JSON.parse(l).alert;
    for (const w of waiters.splice(0)) if (!w(a, t)) waiters.push(w);
  }
});
let peakKb = 0;
const sampler = setInterval(() => {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
    if (m) peakKb = Math.max(peakKb, Number(m[1]));
  } catch {}
}, 200);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
try {
  const deadline = Date.now() + 30_000;
  while (polls < 1) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`watch did not start: ${stderr}`);
    await sleep(50);
  }
  const times = [];
  for (let r = 0; r < ROUNDS; r++) {
    await sleep(Math.random() * DEFAULT_INTERVAL_S * 1000);
    // Only an alert about this login counts.
    const alerted = new Promise((res) =>
      waiters.push((a, t) => {
        if (a.user !== ids[r]) return false;
        res(t);
        return true;
      }),
    );
    const t0 = performance.now();
    login(ids[r], `NEW${r}`, `203.0.113.${r + 10}`, 'curl/8');
    const t = await Promise.race([alerted, sleep(30_000).then(() => Number.NaN)]);
    times.push((t - t0) / 1000);
  }
  await sleep(300);
  const worst = Math.max(...times);
  process.stderr.write(
    `watch: ${USERS + 1} accounts, ${USERS * 3} devices, interval ${DEFAULT_INTERVAL_S} s, log source ${sshd ? 'on (loopback sshd, real journalctl)' : 'off'}\n` +
      `  login-to-alert: ${times.map((s) => s.toFixed(2)).join(', ')} s\n`,
  );
  console.log(`RESULT watch detect_s=${worst.toFixed(2)} aim=${DEFAULT_INTERVAL_S + 1}`);
  console.log(`RESULT watch peak_mb=${(peakKb / 1024).toFixed(1)} aim=120`);
} finally {
  clearInterval(sampler);
  child.kill('SIGINT');
  await new Promise((r) => child.once('close', r));
  server.close();
  await sshd?.stop();
  rmSync(dir, { recursive: true, force: true });
}
