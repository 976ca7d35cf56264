// How the cost of a DNS check grows: 1 record x 1 server against 10 records x 6 servers, every
// server (parent included) adding the same delay. A parallel check costs about the depth of the
// lookup chain times the delay in both cases, so the ratio should stay near 1 (aim: < 1.5).
// Runs against the project's own dns-packet servers on 127.53.5.0/24. Needs `npm run build`.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { checkDns } from '../dist/dns/check.js';
import { freePort, startDnsServer } from '../tests/helpers/dns-server.js';

const DELAY_MS = Number(process.env.BENCH_DNS_DELAY_MS ?? 40);
const ROUNDS = Number(process.env.BENCH_DNS_ROUNDS ?? 5);
const IP = '192.0.2.10';
const SIX = [11, 12, 13, 14, 15, 16].map((n) => `127.53.5.${n}`);

const nsRecords = (zone, addrs) =>
  addrs.flatMap((a, i) => [
    { name: zone, type: 'NS', data: `ns${i + 1}.${zone}` },
    { name: `ns${i + 1}.${zone}`, type: 'A', data: a },
  ]);
const hosts = (zone, n) =>
  Array.from({ length: n }, (_, i) => ({ name: `host${i}.${zone}`, type: 'A', data: IP }));

async function startServers() {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve'], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, BENCH_DNS_DELAY_MS: String(DELAY_MS) },
  });
  const port = await new Promise((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d;
      if (buf.includes('\n')) resolve(Number(buf.trim()));
    });
    child.once('exit', (code) => reject(new Error(`bench DNS servers exited (${code})`)));
  });
  const stop = () =>
    new Promise((resolve) => {
      child.once('exit', resolve);
      child.stdin.end();
    });
  return { port, stop };
}

const expected = (zone, n) =>
  Array.from({ length: n }, (_, i) => ({
    name: `host${i}.${zone}`,
    type: 'A',
    values: [IP],
    cnameAllowed: true,
    required: true,
    purpose: 'bench',
  }));
const options = (domain, port) => ({
  domain,
  roots: [{ address: '127.53.5.1', port }],
  authPort: port,
  resolvers: [],
  clientOptions: { timeoutMs: 2000, retries: 0 },
});

async function time(zone, n, port) {
  const start = performance.now();
  const report = await checkDns(expected(zone, n), options(zone, port));
  const ms = performance.now() - start;
  if (!report.ready) throw new Error(`bench check of ${zone} not ready: ${JSON.stringify(report.findings)}`);
  const queried = report.records.reduce((sum, r) => sum + r.authoritative.length, 0);
  return { ms, queried };
}

async function main() {
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const small = [];
  const large = [];
  let queries = { small: 0, large: 0 };
  const { port, stop } = await startServers();
  try {
    await time('one.test', 1, port); // warm-up (JIT, data file)
    for (let i = 0; i < ROUNDS; i++) {
      const a = await time('one.test', 1, port);
      const b = await time('six.test', 10, port);
      small.push(a.ms);
      large.push(b.ms);
      queries = { small: a.queried, large: b.queried };
    }
  } finally {
    await stop();
  }
  const s = median(small);
  const l = median(large);
  const ratio = l / s;
  const row = (label, records, srv, ms, q) =>
    `${label.padEnd(22)}${String(records).padStart(8)}${String(srv).padStart(9)}${String(q).padStart(14)}${ms.toFixed(1).padStart(12)}`;
  console.log(`dns check, every server delayed by ${DELAY_MS} ms, median of ${ROUNDS} rounds`);
  console.log(
    `${'case'.padEnd(22)}${'records'.padStart(8)}${'servers'.padStart(9)}${'record x srv'.padStart(14)}${'ms'.padStart(12)}`,
  );
  console.log(row('1 record, 1 server', 1, 1, s, queries.small));
  console.log(row('10 records, 6 servers', 10, 6, l, queries.large));
  console.log(`ratio (10x6 / 1x1): ${ratio.toFixed(2)}  (a serial check would be ~${queries.large}x)`);
  console.log(`RESULT dns ratio=${ratio.toFixed(2)} aim=1.5`);
}

// The servers run in a child process, so their work is not counted as the checker's.
if (process.argv[2] === '--serve') {
  const port = await freePort('127.53.5.1');
  const servers = [];
  servers.push(
    await startDnsServer({
      address: '127.53.5.1',
      port,
      zones: ['test'],
      delayMs: DELAY_MS,
      records: [...nsRecords('one.test', ['127.53.5.2']), ...nsRecords('six.test', SIX)],
    }),
  );
  servers.push(
    await startDnsServer({
      address: '127.53.5.2',
      port,
      zones: ['one.test'],
      delayMs: DELAY_MS,
      records: [...nsRecords('one.test', ['127.53.5.2']), ...hosts('one.test', 1)],
    }),
  );
  for (const address of SIX) {
    servers.push(
      await startDnsServer({
        address,
        port,
        zones: ['six.test'],
        delayMs: DELAY_MS,
        records: [...nsRecords('six.test', SIX), ...hosts('six.test', 10)],
      }),
    );
  }
  process.stdout.write(`${port}\n`);
  process.stdin.resume();
  process.stdin.on('end', async () => {
    await Promise.all(servers.map((s) => s.close()));
    process.exit(0);
  });
} else {
  await main();
}
