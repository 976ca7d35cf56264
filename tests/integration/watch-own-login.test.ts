import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GlobalOptions } from '../../src/commands/context.js';
import type { WatchCommandOptions } from '../../src/commands/watch/command.js';
import { runWatch } from '../../src/commands/watch/run.js';
import { ExitError } from '../../src/errors.js';
import { memoryOutput } from '../../src/ui/output.js';
import type { Alert } from '../../src/watch/detect.js';
import { makeCase } from '../helpers/case.js';
import { startFakeHomeserver } from '../helpers/fake-homeserver.js';
import { fakeSessions } from '../helpers/fake-sessions.js';
import { importEntries, journalToolsMissing, synapseLine } from '../helpers/journal-export.js';
import { startSshd, type TestSshd } from '../helpers/sshd.js';

/**
 * The watch's own login as the log source sees it: a real journal file (written by
 * systemd-journal-remote) read by the real journalctl through the real sshd on loopback, the
 * admin's login against the test homeserver, which (as Synapse does) logs it at that moment.
 */
const DOMAIN = 'oob-own.test';
const LEAD = `@lead:${DOMAIN}`;
const why = journalToolsMissing();
const maybe = why ? describe.skip : describe;
if (why) console.log(why);

// What Synapse logs for a login (the test homeserver names every device FAKEDEVICE).
const OWN_LOGIN = synapseLine(
  'synapse.handlers.auth',
  'INFO',
  'POST-1',
  `Logging in user ${LEAD} on device FAKEDEVICE`,
);
let seq = 1;
function append(dir: string, messages: string[]): void {
  const at = Date.now();
  importEntries(
    dir,
    messages.map((message, i) => ({ message, realtimeUs: (at + i) * 1000 })),
    seq,
  );
  seq += messages.length;
}

maybe("watch's own login, through the loopback sshd", () => {
  let sshd: TestSshd;
  let caseDir: string;
  let journalDir: string;
  let hsUrl: string;
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    sshd = await startSshd();
    const kase = await makeCase({
      domain: DOMAIN,
      server: { address: '127.0.0.1', ssh_port: sshd.port, ssh_user: 'root' },
      users: [{ name: 'lead', admin: true }, { name: 'analyst1' }],
    });
    caseDir = kase.dir;
    journalDir = await mkdtemp(join(tmpdir(), 'matrix-oob-journal-'));
    await writeFile(join(caseDir, 'known_hosts'), `${sshd.knownHostsLine}\n`, { mode: 0o600 });
    cleanups.push(sshd.stop, kase.cleanup, () => rm(journalDir, { recursive: true, force: true }));
    const sessions = fakeSessions({ admins: [LEAD] });
    const hs = await startFakeHomeserver({
      domain: DOMAIN,
      users: { lead: 'lead-passphrase-0123456789' },
      extension: sessions.extension,
      onLogin: (userId, userAgent) => {
        sessions.onLogin(userId, userAgent);
        append(journalDir, [OWN_LOGIN]);
      },
    });
    sessions.attach(hs);
    hsUrl = hs.url;
    cleanups.push(hs.close);
    await mkdir(join(caseDir, 'credentials'), { recursive: true, mode: 0o700 });
    await writeFile(join(caseDir, 'credentials', 'lead.txt'), 'password: lead-passphrase-0123456789\n', {
      mode: 0o600,
    });
  });
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  async function once(source: WatchCommandOptions['source']): Promise<{ exit: number; alerts: string[] }> {
    const out = memoryOutput();
    const globals: GlobalOptions = { case: caseDir, json: true, yes: true };
    const opts: WatchCommandOptions = {
      once: true,
      interval: '5',
      approve: [],
      notify: false,
      source,
      journalDir,
      timeout: '5',
      ...(source !== 'log' ? { homeserverUrl: hsUrl } : {}),
    };
    let exit = 0;
    try {
      await runWatch({
        opts,
        globals,
        out,
        env: { ...process.env, ANSIBLE_PRIVATE_KEY_FILE: sshd.clientKey },
      });
    } catch (err) {
      if (err instanceof ExitError) exit = err.exitCode;
      else throw err;
    }
    const alerts: Alert[] = JSON.parse(out.stdout.join('')).alerts;
    return { exit, alerts: alerts.map((a) => `${a.kind} ${a.user} ${a.device ?? a.address}`) };
  }

  it('raises no alert for its own login, in this run or a later one that reads the line', async () => {
    expect(await once('both')).toEqual({ exit: 0, alerts: [] }); // the baseline
    expect(await once('both')).toEqual({ exit: 0, alerts: [] });
    // A run with the state source only logs in; the next run reads that login's line.
    expect(await once('state')).toEqual({ exit: 0, alerts: [] });
    expect(await once('log')).toEqual({ exit: 0, alerts: [] });
  });

  // Matrix lets a client choose its device ID at login: someone holding the admin's password
  // who saw a watch's device ID could log in under it after that run ended.
  it("a login reusing a watch run's device ID after that run is an alert", async () => {
    append(journalDir, [OWN_LOGIN]);
    expect(await once('log')).toEqual({ exit: 1, alerts: [`new-device ${LEAD} FAKEDEVICE`] });
  });
});
