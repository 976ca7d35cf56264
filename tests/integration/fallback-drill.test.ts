import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCase } from '../../src/config/load.js';
import { setUpControlRoom } from '../../src/control-room/case.js';
import { FALLBACK_DOMAIN, FALLBACK_HOST, MAIN_DOMAIN, MAIN_HOST } from '../helpers/case.js';
import { cli, startCli } from '../helpers/cli-process.js';
import { createFakeNetwork, type FakeHomeserver, startFakeHomeserver } from '../helpers/fake-homeserver.js';
import { fixtureSuite } from '../helpers/fixture-suite.js';

// `matrix-oob drill` on the fixture playbook (two loopback sshd servers) with two test
// homeservers sharing their rooms for the Matrix half. The fixture's stop/start only touch
// marker files, so the homeservers keep answering: this checks where stop and start go, the
// message path and the clean-up, not a real outage (docs/fallback.md says so).
const PASSWORD = 'lead-passphrase-0123456789';

describe('drill', () => {
  let a: FakeHomeserver;
  let b: FakeHomeserver;
  const data = (host: string, file: string) => join(bed.dir, 'data', host, file);
  const urls = () => [
    '--homeserver-url',
    `${MAIN_DOMAIN}=${a.url}`,
    '--homeserver-url',
    `${FALLBACK_DOMAIN}=${b.url}`,
  ];

  const bed = fixtureSuite({
    name: 'drill',
    fallback: true,
    case: { users: [{ name: 'lead', admin: true }] },
    env: { MATRIX_OOB_KILL_GRACE_MS: '3000' },
  });

  beforeAll(async () => {
    // Deployed and started on both servers.
    const deployed = await cli(['-C', bed.caseDir, 'deploy'], bed.env);
    expect(deployed.stderr).toContain('deploy finished');
    writeFileSync(
      join(bed.caseDir, 'credentials', 'lead.txt'),
      `homeserver: https://matrix.${MAIN_DOMAIN}\nuser_id: @lead:${MAIN_DOMAIN}\npassword: ${PASSWORD}\nadmin: yes\n`,
      { mode: 0o600 },
    );
  }, 240_000);
  beforeEach(async () => {
    const network = createFakeNetwork();
    a = await startFakeHomeserver({ domain: MAIN_DOMAIN, users: { lead: PASSWORD }, network });
    b = await startFakeHomeserver({
      domain: FALLBACK_DOMAIN,
      users: { lead: PASSWORD },
      network,
      ...(expect.getState().currentTestName?.includes('Ctrl-C')
        ? { slow: { endpoint: 'send', ms: 20_000 } }
        : {}),
    });
    await setUpControlRoom(await loadCase(bed.caseDir), {
      homeserverUrl: a.url,
      homeserverUrls: { [FALLBACK_DOMAIN]: b.url },
    });
  });
  afterEach(async () => {
    await Promise.all([a.close(), b.close()]);
  });

  const drillLogs = () =>
    readdirSync(join(bed.caseDir, 'logs'))
      .filter((f) => f.includes('-drill-'))
      .sort();

  it('stops only the chosen server, posts from the other, starts it again and reports timings', async () => {
    const fallbackStarted = statSync(data(FALLBACK_HOST, 'started')).mtimeMs;
    const r = await cli(['-C', bed.caseDir, '--json', 'drill', ...urls()], bed.env);
    expect(r.stderr).toContain('drill passed');
    expect(r.exitCode).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ ok: true, stopped: MAIN_DOMAIN, from: FALLBACK_DOMAIN });
    for (const k of ['stop_ms', 'message_ms', 'start_ms', 'catch_up_ms']) {
      expect(typeof report.timings[k]).toBe('number');
    }
    // Stop and start were limited to the chosen host; the other one was never touched.
    const [stopLog, startLog] = drillLogs();
    for (const log of [stopLog!, startLog!]) {
      const text = readFileSync(join(bed.caseDir, 'logs', log), 'utf8');
      expect(text).toContain(`--limit ${MAIN_HOST}`);
      expect(text).not.toContain(`[${FALLBACK_HOST}]`);
    }
    expect(readFileSync(join(bed.caseDir, 'logs', stopLog!), 'utf8')).toContain('--tags=stop');
    expect(existsSync(data(MAIN_HOST, 'started'))).toBe(true);
    expect(statSync(data(FALLBACK_HOST, 'started')).mtimeMs).toBe(fallbackStarted);
    // The message was posted by the fallback's account, into the room both servers share.
    const room = [...a.rooms.values()][0]!;
    expect(room.events?.map((e) => e.sender)).toEqual([`@lead:${FALLBACK_DOMAIN}`]);
    expect(String(room.events?.[0]?.content.body)).toMatch(/^matrix-oob drill [0-9a-f]{8}: /);
    expect(a.violations.concat(b.violations)).toEqual([]);
    expect(a.liveTokens() + b.liveTokens()).toBe(0);
    const state = JSON.parse(readFileSync(join(bed.caseDir, 'state.json'), 'utf8'));
    expect(state.drill).toBeNull();
    const journal = readFileSync(join(bed.caseDir, 'journal.jsonl'), 'utf8');
    expect(journal).toContain('"command":"drill","result":"ok"');
    expect(journal + r.all).not.toContain(PASSWORD);
  }, 180_000);

  it('Ctrl-C mid-drill starts the stopped server again and exits 130', async () => {
    const run = startCli(['-C', bed.caseDir, 'drill', ...urls()], bed.env);
    await run.waitFor('==> drill: posting into #control');
    expect(existsSync(data(MAIN_HOST, 'started'))).toBe(false); // stopped now
    run.child.kill('SIGINT');
    const r = await run.child;
    expect(r.exitCode).toBe(130);
    expect(String(r.all)).toContain(`starting ${MAIN_HOST} again before exiting`);
    expect(existsSync(data(MAIN_HOST, 'started'))).toBe(true);
    expect(existsSync(data(FALLBACK_HOST, 'started'))).toBe(true);
    const state = JSON.parse(readFileSync(join(bed.caseDir, 'state.json'), 'utf8'));
    expect(state.drill).toBeNull();
    expect(readFileSync(join(bed.caseDir, 'journal.jsonl'), 'utf8')).toContain(
      '"command":"drill","result":"interrupted"',
    );
  }, 180_000);

  it('refuses an unknown --stop: exit 2, nothing stopped', async () => {
    const r = await cli(['-C', bed.caseDir, 'drill', '--stop', 'nope.test', ...urls()], bed.env);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('error: --stop nope.test: not a server of this case');
    expect(existsSync(data(MAIN_HOST, 'started'))).toBe(true);
  }, 60_000);

  it('refuses each bad flag with one line naming it: exit 2, nothing stopped, nothing journalled', async () => {
    const journalBefore = readFileSync(join(bed.caseDir, 'journal.jsonl'), 'utf8');
    const cases: [string[], string][] = [
      [['--from', MAIN_DOMAIN], `error: --from ${MAIN_DOMAIN} is the server being stopped`],
      [['--from', 'nope.test'], 'error: --from nope.test: not a server of this case'],
      [
        ['--homeserver-url', 'nope.test=https://matrix.nope.test'],
        'error: --homeserver-url "nope.test=https://matrix.nope.test": nope.test is not a server of this case',
      ],
      [['--homeserver-url', 'no-equals-sign'], 'error: --homeserver-url "no-equals-sign" is not DOMAIN=URL'],
      [
        ['--homeserver-url', `${MAIN_DOMAIN}=https://203.0.113.99`],
        "error: --homeserver-url https://203.0.113.99 is not this case's server",
      ],
      [
        ['--catch-up-timeout', '0'],
        'error: --catch-up-timeout "0" is not a number of seconds from 1 to 3600',
      ],
    ];
    for (const [flags, message] of cases) {
      const r = await cli(['-C', bed.caseDir, 'drill', ...flags], bed.env);
      expect({ flags, exit: r.exitCode }).toEqual({ flags, exit: 2 });
      expect(r.stderr).toContain(message);
    }
    expect(existsSync(data(MAIN_HOST, 'started'))).toBe(true);
    expect(existsSync(data(FALLBACK_HOST, 'started'))).toBe(true);
    expect(readFileSync(join(bed.caseDir, 'journal.jsonl'), 'utf8')).toBe(journalBefore);
  }, 60_000);
});
