import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runHooks } from '../../src/hooks/run.js';
import { Redactor } from '../../src/secrets/redact.js';
import { makeCase } from '../helpers/case.js';
import { type FakeDeployment, startFakeDeployment } from '../helpers/fake-deployment.js';
import { type FakeHomeserver, startFakeHomeserver } from '../helpers/fake-homeserver.js';
import { hookContext } from '../helpers/hook-context.js';
import { createTestCa, type TestCa } from '../helpers/test-ca.js';

// The shipped post-start (verify) and post-users (control-room) hooks, run by the hook runner
// as executables that call the built CLI, against local HTTPS / Matrix servers.
const DOMAIN = 'example.test';
const PASSWORD = 'admin pass "with" {{ braces }}';

describe('shipped hooks', () => {
  let ca: TestCa;
  let site: FakeDeployment;
  let hs: FakeHomeserver;
  let kase: { dir: string; cleanup(): Promise<void> };

  beforeAll(async () => {
    ca = await createTestCa();
    site = await startFakeDeployment(ca, DOMAIN);
    hs = await startFakeHomeserver({ domain: DOMAIN, users: { lead1: PASSWORD } });
    kase = await makeCase({
      domain: DOMAIN,
      server: { address: '203.0.113.10' },
      users: [
        { name: 'lead1', admin: true },
        { name: 'ana', admin: false },
      ],
    });
    mkdirSync(join(kase.dir, 'credentials'), { recursive: true, mode: 0o700 });
    writeFileSync(
      join(kase.dir, 'credentials', 'lead1.txt'),
      `homeserver: https://matrix.${DOMAIN}\nuser_id: @lead1:${DOMAIN}\npassword: ${PASSWORD}\n`,
      { mode: 0o600 },
    );
  });
  afterAll(async () => {
    await Promise.all([site?.close(), hs?.close(), kase?.cleanup(), ca?.cleanup()]);
  });

  async function run(event: 'post-start' | 'post-users') {
    const { ctx, out, terminal } = await hookContext(kase.dir, {
      redactor: new Redactor([PASSWORD]),
      env: {
        ...process.env,
        NO_COLOR: '1',
        MATRIX_OOB_CONNECT_TO: site.connectTo().join(' '),
        MATRIX_OOB_CA_FILE: ca.caFile,
        MATRIX_OOB_CONTROL_ROOM_URL: hs.url,
      },
    });
    const summary = await runHooks(event, ctx);
    return { summary, text: terminal.text(), out };
  }

  it('post-start verify passes against a correct deployment', async () => {
    const { summary, text } = await run('post-start');
    expect(summary.outcomes.map((o) => [o.hook.name, o.exitCode])).toEqual([['10-verify', 0]]);
    expect(text).toContain('[10-verify]');
  });

  it('post-start verify failing (wrong m.server) is reported, not fatal', async () => {
    const key = `${DOMAIN}/.well-known/matrix/server`;
    const good = site.routes.get(key)!;
    site.routes.set(key, { ...good, body: JSON.stringify({ 'm.server': `elsewhere.${DOMAIN}:8448` }) });
    try {
      const { summary, text } = await run('post-start');
      expect(summary.failed.map((o) => [o.hook.name, o.exitCode])).toEqual([['10-verify', 1]]);
      expect(text).toContain(`elsewhere.${DOMAIN}:8448`);
    } finally {
      site.routes.set(key, good);
    }
  });

  it('post-users creates the encrypted #control room once, and reuses it', async () => {
    const first = await run('post-users');
    expect(first.summary.outcomes.map((o) => [o.hook.name, o.exitCode])).toEqual([['10-control-room', 0]]);
    expect(hs.count('createRoom')).toBe(1);
    expect(hs.violations).toEqual([]);
    expect(existsSync(join(kase.dir, 'control-room.json'))).toBe(true);
    const room = JSON.parse(readFileSync(join(kase.dir, 'control-room.json'), 'utf8'));
    expect(room).toMatchObject({ alias: `#control:${DOMAIN}` });
    const second = await run('post-users');
    expect(second.summary.failed).toEqual([]);
    expect(hs.count('createRoom')).toBe(1);
    for (const text of [first.text, second.text, readFileSync(join(kase.dir, 'journal.jsonl'), 'utf8')]) {
      expect(text).not.toContain(PASSWORD);
    }
  });
});
