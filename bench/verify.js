#!/usr/bin/env node
// Bench: `matrix-oob verify` runs its checks in parallel. Measures one full verification
// against local HTTPS servers that answer after a fixed delay (a stand-in for network round
// trips), run as shipped (parallel) and with the same requests forced one at a time.
// Run: npm run bench -- verify   (or node bench/verify.js after npm run build)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import { verifyDeployment } from '../dist/verify/checks.js';
import { httpsGet, parseConnectTo } from '../dist/verify/https.js';

const DOMAIN = 'bench.test';
const DELAY_MS = 80;
const ROUNDS = 5;
const names = [DOMAIN, `matrix.${DOMAIN}`, `element.${DOMAIN}`];

const dir = mkdtempSync(join(tmpdir(), 'matrix-oob-bench-'));
const ssl = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
ssl(
  'req',
  '-x509',
  ...ec,
  '-keyout',
  'ca.key',
  '-out',
  'ca.pem',
  '-days',
  '1',
  '-subj',
  '/CN=bench CA',
  '-addext',
  'basicConstraints=critical,CA:TRUE',
  '-addext',
  'keyUsage=critical,keyCertSign',
);
const contexts = new Map();
names.forEach((n, i) => {
  writeFileSync(join(dir, `${i}.ext`), `subjectAltName=DNS:${n}\nextendedKeyUsage=serverAuth\n`);
  ssl('req', ...ec, '-keyout', `${i}.key`, '-out', `${i}.csr`, '-subj', `/CN=${n}`);
  ssl(
    'x509',
    '-req',
    '-in',
    `${i}.csr`,
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-set_serial',
    String(10 + i),
    '-days',
    '1',
    '-extfile',
    `${i}.ext`,
    '-out',
    `${i}.pem`,
  );
  contexts.set(n, { key: readFileSync(join(dir, `${i}.key`)), cert: readFileSync(join(dir, `${i}.pem`)) });
});
// One CA list for every run: its TLS context is built once (in the warm-up), as Node's default
// context is in production, where no --ca-file is given.
const ca = [readFileSync(join(dir, 'ca.pem'), 'utf8')];

const m = `matrix.${DOMAIN}`;
const routes = {
  [`${DOMAIN}/.well-known/matrix/server`]: [{}, { 'm.server': `${m}:8448` }],
  [`${DOMAIN}/.well-known/matrix/client`]: [
    { 'access-control-allow-origin': '*' },
    { 'm.homeserver': { base_url: `https://${m}` } },
  ],
  [`${m}/_matrix/client/versions`]: [{}, { versions: ['v1.11'] }],
  [`${m}:8448/_matrix/federation/v1/version`]: [{}, { server: { name: 'Synapse', version: '1' } }],
  [`element.${DOMAIN}/config.json`]: [
    {},
    { default_server_config: { 'm.homeserver': { base_url: `https://${m}` } } },
  ],
};
const secure = new Map([...contexts].map(([n, c]) => [n, createSecureContext(c)]));
const server = createServer(
  { ...contexts.get(DOMAIN), SNICallback: (sn, cb) => cb(null, secure.get(sn)) },
  (req, res) => {
    const [headers, body] = routes[`${req.headers.host}${req.url}`] ?? [{}, null];
    setTimeout(() => {
      res.writeHead(body ? 200 : 404, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body ?? {}));
    }, DELAY_MS);
  },
);
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const port = server.address().port;
const connectTo = [...names.map((n) => `${n}:443:127.0.0.1:${port}`), `${m}:8448:127.0.0.1:${port}`].map(
  parseConnectTo,
);

// The same adapter, forced to one request at a time.
let chain = Promise.resolve();
const sequentialGet = (url, opts) => {
  const next = chain.then(() => httpsGet(url, opts));
  chain = next.catch(() => {});
  return next;
};

const config = { domain: DOMAIN, serve_base_domain: true, element: true };
async function time(get) {
  const started = performance.now();
  const report = await verifyDeployment(config, { connectTo, ca, timeoutMs: 5000, get });
  if (!report.ok) throw new Error(`bench deployment failed a check: ${JSON.stringify(report.checks)}`);
  return performance.now() - started;
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

await time(httpsGet); // warm-up
const parallel = [];
const sequential = [];
for (let i = 0; i < ROUNDS; i++) {
  parallel.push(await time(httpsGet));
  sequential.push(await time(sequentialGet));
}
server.close();
rmSync(dir, { recursive: true, force: true });

const p = median(parallel);
const s = median(sequential);
console.log(`verify: 5 checks, each server answer delayed ${DELAY_MS} ms, median of ${ROUNDS} runs`);
console.log('mode          median ms');
console.log(`parallel      ${p.toFixed(0).padStart(9)}`);
console.log(`one-by-one    ${s.toFixed(0).padStart(9)}`);
console.log(`RESULT verify speedup=${(s / p).toFixed(2)} aim=3`);
