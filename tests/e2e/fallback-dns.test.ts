import { makeCase } from '../helpers/case.js';
import { type CaseDns, startCaseDns } from '../helpers/case-dns.js';
import { runCli } from '../helpers/cli.js';

// dns check with a fallback server: the built CLI against the project's DNS servers on
// 127.53.15.0/24 (this suite only), one authoritative server for both zones.
const A = 'main-dns.test';
const B = 'fallback-dns.test';
const config = {
  domain: A,
  server: { address: '192.0.2.10' },
  fallback: [{ domain: B, server: { address: '198.51.100.20' } }],
  users: [{ name: 'lead', admin: true }],
};

describe('dns check with a fallback server', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('checks every server and is ready only when all are', async () => {
    const kase = await makeCase(config);
    cleanups.push(kase.cleanup);
    let dns: CaseDns = await startCaseDns('127.53.15', [
      { domain: A, ip: '192.0.2.10' },
      { domain: B, ip: '198.51.100.99' }, // the fallback's records point elsewhere
    ]);
    const wrong = await runCli(['--case', kase.dir, '--json', 'dns', 'check'], { env: dns.env });
    await dns.close();
    expect(wrong.exitCode).toBe(3);
    const bad = JSON.parse(wrong.stdout);
    expect(bad.ready).toBe(false);
    expect(bad.servers).toHaveLength(2);
    expect(bad.servers[0].ready).toBe(true);
    expect(bad.servers[1].ready).toBe(false);
    expect(wrong.stderr).toContain(`matrix.${B}`);

    dns = await startCaseDns('127.53.15', [
      { domain: A, ip: '192.0.2.10' },
      { domain: B, ip: '198.51.100.20' },
    ]);
    cleanups.push(dns.close);
    const right = await runCli(['--case', kase.dir, '--json', 'dns', 'check'], { env: dns.env });
    expect(right.exitCode).toBe(0);
    expect(JSON.parse(right.stdout)).toMatchObject({
      ready: true,
      servers: [{ ready: true }, { ready: true }],
    });
  }, 60_000);
});
