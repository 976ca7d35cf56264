import { validateConfig } from '../../src/config/validate.js';
import { verifyServers } from '../../src/verify/federation.js';
import { parseConnectTo } from '../../src/verify/https.js';
import { type FakeDeployment, startFakeDeployment } from '../helpers/fake-deployment.js';
import { createTestCa, type TestCa } from '../helpers/test-ca.js';

// verify with a fallback server: two HTTPS deployments on loopback (real TLS, a test CA), each
// answering its own directory lookups and, standing in for a federation query, the other's.
const A = 'main-verify.test';
const B = 'fallback-verify.test';
const ROOM = '!room:main-verify.test';
const path = (domain: string) =>
  `/_matrix/client/v3/directory/room/${encodeURIComponent(`#control:${domain}`)}`;
const answer = (roomId: string) => ({
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ room_id: roomId, servers: [A] }),
});
const notFound = {
  status: 404,
  headers: { 'content-type': 'application/json' },
  body: '{"errcode":"M_NOT_FOUND","error":"Room alias not found"}',
};

let ca: TestCa;
let a: FakeDeployment;
let b: FakeDeployment;
beforeAll(async () => {
  ca = await createTestCa();
  [a, b] = await Promise.all([startFakeDeployment(ca, A), startFakeDeployment(ca, B)]);
});
afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await ca?.cleanup();
});

const config = validateConfig({
  domain: A,
  server: { address: '203.0.113.10' },
  fallback: [{ domain: B, server: { address: '198.51.100.20' } }],
}).config;
const options = () => ({
  connectTo: [...a.connectTo(), ...b.connectTo()].map((s) => parseConnectTo(s)!),
  ca: [ca.caPem],
  timeoutMs: 3000,
});

/** Each deployment resolves both servers' #control alias. */
const everyAliasFound = () => {
  for (const [d, self] of [
    [a, A],
    [b, B],
  ] as const) {
    d.routes.set(`matrix.${self}${path(A)}`, answer(ROOM));
    d.routes.set(`matrix.${self}${path(B)}`, answer(ROOM));
  }
};

describe('verify with a fallback server', () => {
  it('checks both deployments and federation both ways', async () => {
    everyAliasFound();
    const report = await verifyServers(config, options());
    expect(report.servers.map((r) => [r.domain, r.ok])).toEqual([
      [A, true],
      [B, true],
    ]);
    expect(report.federation).toEqual([
      expect.objectContaining({ from: A, to: B, status: 'ok' }),
      expect.objectContaining({ from: B, to: A, status: 'ok' }),
    ]);
    expect(report.ok).toBe(true);
  });

  it('a lookup answered with JSON that is not an object fails that direction, not the whole check', async () => {
    everyAliasFound();
    a.routes.set(`matrix.${A}${path(B)}`, { ...answer(ROOM), body: 'null' });
    const report = await verifyServers(config, options());
    expect(report.federation).toEqual([
      expect.objectContaining({
        from: A,
        to: B,
        status: 'fail',
        detail: expect.stringContaining('HTTP 200, not a JSON object'),
      }),
      expect.objectContaining({ from: B, to: A, status: 'ok' }),
    ]);
  });

  it('names the direction that fails, and says when the alias is missing everywhere', async () => {
    a.routes.set(`matrix.${A}${path(B)}`, {
      ...notFound,
      status: 502,
      body: '{"errcode":"M_UNKNOWN","error":"Failed to query remote server"}',
    });
    const report = await verifyServers(config, options());
    expect(report.ok).toBe(false);
    expect(report.federation).toEqual([
      expect.objectContaining({
        from: A,
        to: B,
        status: 'fail',
        detail: expect.stringContaining(`${A} cannot resolve #control:${B} (HTTP 502 M_UNKNOWN`),
      }),
      expect.objectContaining({ from: B, to: A, status: 'ok' }),
    ]);
    b.routes.set(`matrix.${B}${path(B)}`, notFound);
    const missing = await verifyServers(config, options());
    expect(missing.federation[0]).toMatchObject({
      status: 'fail',
      fix: expect.stringContaining('matrix-oob control-room'),
    });
  });
});
