import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { makeCase } from '../helpers/case.js';
import { type CaseDns, startCaseDns } from '../helpers/case-dns.js';
import { runCli } from '../helpers/cli.js';
import { makeFixtureCheckout } from '../helpers/mdad-fixture.js';

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

  it('deploy refuses an unpinned fallback (exit 2); its DNS gate covers the fallback too (exit 3); nothing run', async () => {
    const kase = await makeCase({});
    cleanups.push(kase.cleanup);
    const checkout = makeFixtureCheckout(join(kase.dir, 'mdad'), { roles: false });
    const file = join(kase.dir, 'two.yml');
    writeFileSync(file, stringify({ ...config, playbook: { path: checkout } }));
    const caseDir = join(kase.dir, 'case');
    expect((await runCli(['init', '--config', file, '--yes', caseDir])).exitCode).toBe(0);
    const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';
    writeFileSync(join(caseDir, 'known_hosts'), `192.0.2.10 ${key}\n`);
    // The fallback's key is not pinned: refused before anything else, naming the fix.
    const unpinned = await runCli(['--case', caseDir, 'deploy']);
    expect(unpinned.exitCode).toBe(2);
    expect(unpinned.stderr).toContain(`the SSH host key of the fallback server ${B} is not pinned yet`);
    expect(unpinned.stderr).toContain(`matrix-oob trust-host --server ${B}`);
    writeFileSync(join(caseDir, 'known_hosts'), `192.0.2.10 ${key}\n198.51.100.20 ${key}\n`);
    const dns = await startCaseDns('127.53.15', [
      { domain: A, ip: '192.0.2.10' },
      { domain: B, ip: '198.51.100.99' },
    ]);
    cleanups.push(dns.close);
    const r = await runCli(['--case', caseDir, 'deploy'], { env: dns.env });
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain('DNS is not ready: deploy did not start');
    expect(r.stderr).toContain(`matrix.${B}`);
    const logs = join(caseDir, 'logs');
    expect(existsSync(logs) ? readdirSync(logs) : []).toEqual([]);
  }, 60_000);
});
