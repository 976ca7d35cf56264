#!/usr/bin/env node
// Bench: `matrix-oob record --once` catching up on 10,000 encrypted messages, then `transcript`.
//
// A real participant client (matrix-js-sdk + Rust crypto, in this process) sends the messages
// through the loopback test homeserver of the tests (tests/helpers/e2ee-*.ts, transpiled with
// swc), after the recorder has joined and set up its keys. Then the built CLI runs
// `record --once` (timed; its peak RSS read from /proc/<pid>/status VmHWM) and `transcript`.
//
// Run: npm run bench -- record   (or node bench/record.js after npm run build)
// Env: BENCH_MESSAGES (default 10000), BENCH_BATCH (messages sent at once, default 50).
// Sending 10,000 takes about 90 s here (the participant encrypts each one); only the recorder's
// catch-up and the transcript are timed.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { transformFileSync } from '@swc/core';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(root, 'bin/matrix-oob.js');
const N = Number(process.env.BENCH_MESSAGES ?? 10_000);
const dir = mkdtempSync(join(tmpdir(), 'matrix-oob-bench-record-'));

/** The test homeserver is TypeScript: transpile its files next to each other. */
async function loadHomeserver() {
  const out = join(dir, 'hs');
  mkdirSync(out);
  for (const f of readdirSync(join(root, 'tests/helpers')).filter((n) => n.startsWith('e2ee-'))) {
    const { code } = transformFileSync(join(root, 'tests/helpers', f), {
      jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
      module: { type: 'es6' },
    });
    writeFileSync(join(out, f.replace(/\.ts$/, '.js')), code);
  }
  writeFileSync(join(out, 'package.json'), '{"type":"module"}\n');
  return import(pathToFileURL(join(out, 'e2ee-homeserver.js')).href);
}

const quiet = () => {};
console.debug = quiet;
console.info = quiet;
console.log = quiet;
console.error = (...a) =>
  String(a[0]).includes('MatrixRTC') ? undefined : process.stderr.write(`${a.join(' ')}\n`);

function run(args, env) {
  return new Promise((resolveRun, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let peak = 0;
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.stdout.resume();
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peak = Math.max(peak, Number(m[1]));
      } catch {
        // exited
      }
    }, 50);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(poll);
      if (code !== 0)
        reject(new Error(`matrix-oob ${args.join(' ')} exited ${code}: ${stderr.slice(-1500)}`));
      else resolveRun({ seconds: (performance.now() - started) / 1000, peakMb: peak / 1024, stderr });
    });
  });
}

async function main() {
  const { startE2eeHomeserver } = await loadHomeserver();
  const sdk = await import('matrix-js-sdk');
  const { installCryptoCompat } = await import(
    pathToFileURL(join(root, 'dist/record/crypto-compat.js')).href
  );
  const hs = await startE2eeHomeserver('bench.test');
  hs.addUser('alice', 'Alice-password-0123456789');
  hs.addUser('recorder', 'Recorder-password-0123456789');
  const caseDir = join(dir, 'case');
  mkdirSync(join(caseDir, 'credentials'), { recursive: true, mode: 0o700 });
  writeFileSync(
    join(caseDir, 'matrix-oob.yml'),
    'domain: bench.test\nserver:\n  address: 203.0.113.10\nusers:\n  - name: alice\n    admin: true\n',
    { mode: 0o600 },
  );
  writeFileSync(join(caseDir, 'credentials/recorder.txt'), 'password: Recorder-password-0123456789\n', {
    mode: 0o600,
  });
  const env = { MATRIX_OOB_RECORD_URL: hs.url, NO_COLOR: '1' };

  const r = await sdk.createClient({ baseUrl: hs.url }).loginRequest({
    type: 'm.login.password',
    identifier: { type: 'm.id.user', user: 'alice' },
    password: 'Alice-password-0123456789',
  });
  const alice = sdk.createClient({
    baseUrl: hs.url,
    userId: r.user_id,
    deviceId: r.device_id,
    accessToken: r.access_token,
  });
  installCryptoCompat();
  await alice.initRustCrypto({ useIndexedDB: false });
  const ready = new Promise((ok) =>
    alice.on(sdk.ClientEvent.Sync, (s) => (s === 'PREPARED' ? ok() : undefined)),
  );
  await alice.startClient({ initialSyncLimit: 10 });
  await ready;
  await alice
    .getCrypto()
    .bootstrapCrossSigning({ setupNewCrossSigning: true, authUploadDeviceSigningKeys: (m) => m(null) });
  const { room_id } = await alice.createRoom({
    initial_state: [
      { type: 'm.room.encryption', state_key: '', content: { algorithm: 'm.megolm.v1.aes-sha2' } },
    ],
    invite: ['@recorder:bench.test'],
  });
  await run(['--case', caseDir, 'record', '--once'], env); // joins, sets up its keys (not timed)
  for (
    let i = 0;
    i < 200 && alice.getRoom(room_id)?.getMember('@recorder:bench.test')?.membership !== 'join';
    i++
  ) {
    await new Promise((ok) => setTimeout(ok, 50));
  }
  process.stderr.write(`sending ${N} encrypted messages…\n`);
  const t0 = performance.now();
  const batch = Number(process.env.BENCH_BATCH ?? 50);
  for (let i = 0; i < N; i += batch) {
    await Promise.all(
      Array.from({ length: Math.min(batch, N - i) }, (_, k) =>
        alice.sendMessage(room_id, {
          msgtype: 'm.text',
          body: `message ${i + k}: the attacker used 198.51.100.${(i + k) % 255}`,
        }),
      ),
    );
    if (i % 100 === 0) process.stderr.write(`  ${i} ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  alice.stopClient();
  process.stderr.write(`sent in ${((performance.now() - t0) / 1000).toFixed(1)} s; recording…\n`);
  const rec = await run(['--case', caseDir, '--json', 'record', '--once'], env);
  const tr = await run(['--case', caseDir, 'transcript'], env);
  const decrypted = readFileSync(
    join(caseDir, 'record/rooms', readdirSync(join(caseDir, 'record/rooms'))[0], 'decrypted.jsonl'),
    'utf8',
  )
    .split('\n')
    .filter((l) => l.includes('"kind":"decrypted"')).length;
  process.stderr.write(`decrypted ${decrypted} of ${N} messages\n`);
  if (decrypted < N) throw new Error(`only ${decrypted} of ${N} messages were decrypted`);
  // Named for 10,000 messages only when that many were sent (the CLI's start is a fixed cost).
  const tag = N === 10_000 ? '10k' : String(N);
  process.stdout.write(`RESULT record seconds_${tag}=${rec.seconds.toFixed(1)} aim=60\n`);
  process.stdout.write(`RESULT record peak_mb=${rec.peakMb.toFixed(0)} aim=300\n`);
  process.stdout.write(`RESULT transcript seconds_${tag}=${tr.seconds.toFixed(2)} aim=5\n`);
  await hs.close();
}

main()
  .catch((err) => {
    process.stderr.write(`bench record failed: ${err.stack ?? err}\n`);
    process.exitCode = 1;
  })
  .finally(() => {
    rmSync(dir, { recursive: true, force: true });
    setTimeout(() => process.exit(), 100).unref();
  });
