import { waitForRecords } from '../../src/commands/up/prepare.js';
import { loadCase } from '../../src/config/load.js';
import { UserError } from '../../src/errors.js';
import { memoryOutput } from '../../src/ui/output.js';
import { makeCase } from '../helpers/case.js';
import { startCaseDns } from '../helpers/case-dns.js';

// up's DNS step with a fallback server: it waits for every server's records (the project's DNS
// servers on 127.53.16.0/24, this suite only).
const A = 'main-updns.test';
const B = 'fallback-updns.test';

describe("up's DNS step with a fallback server", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  async function attempt(fallbackIp: string) {
    const kase = await makeCase({
      domain: A,
      server: { address: '192.0.2.10' },
      fallback: [{ domain: B, server: { address: '198.51.100.20' } }],
    });
    const dns = await startCaseDns('127.53.16', [
      { domain: A, ip: '192.0.2.10' },
      { domain: B, ip: fallbackIp },
    ]);
    cleanups.push(kase.cleanup, dns.close);
    const out = memoryOutput();
    const run = waitForRecords(await loadCase(kase.dir), {
      timeoutMs: 1500,
      intervalMs: 500,
      env: { ...process.env, ...dns.env },
      signal: new AbortController().signal,
      out,
      colour: false,
      timeoutText: '1.5s',
    });
    return { run, out };
  }

  it('is ready only when the fallback records are too', async () => {
    const ok = await attempt('198.51.100.20');
    const outcome = await ok.run;
    expect(outcome.note?.split('; ')).toHaveLength(2);

    const wrong = await attempt('198.51.100.99');
    const err = await wrong.run.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).exitCode).toBe(3);
    expect(wrong.out.stderr.join('\n')).toContain(`matrix.${B}`);
  }, 30_000);
});
