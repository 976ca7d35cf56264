import { createClient } from '../../src/dns/client.js';
import { RCODE } from '../../src/dns/message.js';
import { type FakeDnsServer, startDnsServer } from '../helpers/dns-server.js';

// Fault injection against the project's own dns-packet server on 127.53.2.1 (this suite only).
const ADDRESS = '127.53.2.1';
const RECORDS = [
  { name: 'matrix.example.test', type: 'A', ttl: 120, data: '192.0.2.10' },
  { name: 'element.example.test', type: 'CNAME', data: 'matrix.example.test' },
];
const q = { name: 'matrix.example.test', type: 'A' as const };
const auth = { recursion: false };

let server: FakeDnsServer;
const client = createClient({ timeoutMs: 250, retries: 1 });
const target = () => ({ address: server.address, port: server.port });

beforeAll(async () => {
  server = await startDnsServer({ address: ADDRESS, zones: ['example.test'], records: RECORDS });
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.state.mode = 'normal';
  server.state.delayMs = 0;
  server.state.udpQueries = 0;
  server.state.tcpQueries = 0;
});

describe('DNS client against a misbehaving server', () => {
  it('gets an authoritative answer over UDP with the full rcode', async () => {
    const r = await client.query(target(), q, auth);
    expect(r.state).toBe('reply');
    expect(r.transport).toBe('udp');
    expect(r.reply?.aa).toBe(true);
    expect(r.reply?.rcode).toBe(RCODE.NOERROR);
    expect(r.reply?.answers).toEqual([
      { name: 'matrix.example.test', type: 'A', ttl: 120, value: '192.0.2.10' },
    ]);
  });

  it('waits for a delayed reply within the timeout', async () => {
    server.state.delayMs = 100;
    const r = await client.query(target(), q, auth);
    expect(r.state).toBe('reply');
    expect(r.ms).toBeGreaterThanOrEqual(95);
  });

  it('ignores a reply with a wrong ID, retries, then times out', async () => {
    server.state.mode = 'wrong-id';
    const r = await client.query(target(), q, auth);
    expect(r.state).toBe('timeout');
    expect(r.detail).toContain('wrong ID or question ignored');
    expect(server.state.udpQueries).toBe(2);
  });

  it('ignores a reply to a different question, then times out', async () => {
    server.state.mode = 'wrong-question';
    const r = await client.query(target(), q, auth);
    expect(r.state).toBe('timeout');
    expect(r.detail).toContain('ignored');
  });

  it('falls back to TCP when the UDP reply is truncated', async () => {
    server.state.mode = 'truncate';
    const r = await client.query(target(), q, auth);
    expect(r.state).toBe('reply');
    expect(r.transport).toBe('tcp');
    expect(r.reply?.answers.map((a) => a.value)).toEqual(['192.0.2.10']);
    expect(server.state.tcpQueries).toBe(1);
  });

  it('classifies garbage with the right ID as malformed, without throwing', async () => {
    server.state.mode = 'garbage-same-id';
    const r = await client.query(target(), q, auth);
    expect(r.state).toBe('malformed');
    expect(r.detail).toMatch(/cannot decode|malformed/);
  });

  it('classifies random garbage as malformed after the timeout', async () => {
    server.state.mode = 'garbage';
    const r = await client.query(target(), q, auth);
    expect(r.state).toBe('malformed');
    expect(r.detail).toContain('undecodable');
  });

  it.each([
    ['servfail', RCODE.SERVFAIL],
    ['refused', RCODE.REFUSED],
  ] as const)('passes %s through as an rcode', async (mode, rcode) => {
    server.state.mode = mode;
    const r = await client.query(target(), q, auth);
    expect(r.state).toBe('reply');
    expect(r.reply?.rcode).toBe(rcode);
  });

  it('times out on a server that never answers, after every retry', async () => {
    server.state.mode = 'silent';
    const started = performance.now();
    const r = await client.query(target(), q, auth);
    expect(r.state).toBe('timeout');
    expect(server.state.udpQueries).toBe(2);
    expect(performance.now() - started).toBeGreaterThanOrEqual(480);
  });

  it('reports a closed port without waiting for the timeout', async () => {
    const r = await client.query({ address: '127.53.2.99', port: server.port }, q, auth);
    expect(r.state).toBe('timeout');
    expect(r.detail).toContain('connection refused');
  });

  it('uses a fresh random ID per attempt', async () => {
    const seen = new Set<number>();
    for (let i = 0; i < 8; i++) {
      const r = await client.query(target(), q, auth);
      seen.add(r.reply!.id);
    }
    expect(seen.size).toBeGreaterThan(4);
  });

  it('follows a CNAME inside the zone', async () => {
    const r = await client.query(target(), { name: 'element.example.test', type: 'A' }, auth);
    expect(r.reply?.answers.map((a) => `${a.type} ${a.value}`)).toEqual([
      'CNAME matrix.example.test',
      'A 192.0.2.10',
    ]);
  });
});
