import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { WatchCommandOptions } from '../../src/commands/watch/command.js';
import { loadCase } from '../../src/config/load.js';
import { approveItems } from '../../src/watch/case.js';
import { startFakeHomeserver } from '../helpers/fake-homeserver.js';
import { fakeSessions } from '../helpers/fake-sessions.js';
import { journalToolsMissing, synapseLine } from '../helpers/journal-export.js';
import { journalAppender, journalBedSuite, watchOnce } from '../helpers/watch-journal-bed.js';

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
const append = journalAppender();

maybe("watch's own login, through the loopback sshd", () => {
  const bed = journalBedSuite(DOMAIN);
  let hsUrl: string;
  let closeHs: () => Promise<void> = async () => {};

  beforeAll(async () => {
    const sessions = fakeSessions({ admins: [LEAD] });
    const hs = await startFakeHomeserver({
      domain: DOMAIN,
      users: { lead: 'lead-passphrase-0123456789' },
      extension: sessions.extension,
      onLogin: (userId, userAgent) => {
        sessions.onLogin(userId, userAgent);
        append(bed.journalDir, [OWN_LOGIN]);
      },
    });
    sessions.attach(hs);
    hsUrl = hs.url;
    closeHs = hs.close;
    await mkdir(join(bed.caseDir, 'credentials'), { recursive: true, mode: 0o700 });
    await writeFile(join(bed.caseDir, 'credentials', 'lead.txt'), 'password: lead-passphrase-0123456789\n', {
      mode: 0o600,
    });
  });
  afterAll(() => closeHs());

  async function once(source: WatchCommandOptions['source']): Promise<{ exit: number; alerts: string[] }> {
    const { exit, alerts } = await watchOnce(bed, {
      source,
      ...(source !== 'log' ? { homeserverUrl: hsUrl } : {}),
    });
    return { exit, alerts: alerts.map((a) => `${a.kind} ${a.user} ${a.device ?? a.address}`) };
  }

  it('raises no alert for its own login, in this run or a later one that reads the line', async () => {
    // The baseline from the log alone: the admin's login is not part of it.
    expect(await once('log')).toEqual({ exit: 0, alerts: [] });
    // Its connection is a new address of the admin (docs/watch.md: approve it); its device is not.
    expect(await once('both')).toEqual({ exit: 1, alerts: [`new-address ${LEAD} 127.0.0.1`] });
    await approveItems(await loadCase(bed.caseDir), ['127.0.0.1']);
    // A run with the state source only logs in; the next run reads that login's line.
    expect(await once('state')).toEqual({ exit: 0, alerts: [] });
    expect(await once('log')).toEqual({ exit: 0, alerts: [] });
  });

  // Matrix lets a client choose its device ID at login: someone holding the admin's password
  // who saw a watch's device ID could log in under it after that run ended.
  it("a login reusing a watch run's device ID after that run is an alert", async () => {
    append(bed.journalDir, [OWN_LOGIN]);
    expect(await once('log')).toEqual({ exit: 1, alerts: [`new-device ${LEAD} FAKEDEVICE`] });
  });
});
