import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { WatchCommandOptions } from '../../src/commands/watch/command.js';
import { loadCase } from '../../src/config/load.js';
import { UserError } from '../../src/errors.js';
import { memoryOutput } from '../../src/ui/output.js';
import { approveItems } from '../../src/watch/case.js';
import type { Alert } from '../../src/watch/detect.js';
import { readJournal } from '../../src/watch/log-source.js';
import { runWatchSession } from '../../src/watch/session.js';
import { readWatchState } from '../../src/watch/store.js';
import { journalToolsMissing, synapseLine } from '../helpers/journal-export.js';
import { HOSTILE_NAME } from '../helpers/watch-fixtures.js';
import { journalAppender, journalBedSuite, watchOnce } from '../helpers/watch-journal-bed.js';

/**
 * The log source end to end: a real journal file (written by systemd-journal-remote), read on
 * the "server" by the real journalctl, through the real sshd on loopback with the case's pinned
 * host key.
 */
const DOMAIN = 'oob-watch.test';
const why = journalToolsMissing();
const maybe = why ? describe.skip : describe;
if (why) console.log(why);

const auth = (level: string, msg: string) => synapseLine('synapse.handlers.auth', level, 'POST-1', msg);
const append = journalAppender();

maybe('watch, log source, through the loopback sshd', () => {
  const bed = journalBedSuite(DOMAIN);
  const once = (extra: Partial<WatchCommandOptions> = {}) => watchOnce(bed, extra);
  const cursor = () => readFile(join(bed.caseDir, 'watch', 'journal-cursor'), 'utf8');

  /** A running watch (log source only), following the journal until `signal` aborts. */
  const followSession = async (
    loaded: Awaited<ReturnType<typeof loadCase>>,
    signal: AbortSignal,
    onAlert: (a: Alert) => void,
  ) =>
    runWatchSession(loaded, {
      previous: await readWatchState(loaded.paths),
      once: false,
      intervalMs: 1000,
      notify: false,
      state: false,
      log: {
        target: { host: '127.0.0.1', port: bed.sshd.port, user: 'root', identityFile: bed.sshd.clientKey },
        knownHosts: join(bed.caseDir, 'known_hosts'),
        become: false,
        journalDir: bed.journalDir,
      },
      out: memoryOutput(),
      json: false,
      colour: false,
      redraw: false,
      signal,
      onAlert,
    });

  it('reads the journal incrementally from the saved cursor: a restart neither repeats nor misses a line', async () => {
    // History from before the first run: read (cursor moves), but no alerts.
    append(
      bed.journalDir,
      [auth('WARNING', `Failed password login for user @analyst1:${DOMAIN}`), 'noise'],
      Date.now() - 3_600_000,
    );
    const first = await once();
    expect([first.exit, first.alerts]).toEqual([0, []]);
    const c1 = await cursor();
    expect(c1).toMatch(/^s=[0-9a-f]+;i=2;/);

    append(bed.journalDir, [
      auth('WARNING', `Failed password login for user @analyst1:${DOMAIN}`),
      auth('WARNING', `Attempted to login as ${HOSTILE_NAME} but they do not exist`),
      synapseLine('synapse.access.http.8008', 'INFO', 'POST-2', 'unrelated'),
      auth('INFO', `Logging in user @mallory:${DOMAIN} on device MAL1`),
      auth('INFO', `Logging in user @analyst1:${DOMAIN} on device NEWLAPTOP`),
    ]);
    const second = await once();
    expect(second.exit).toBe(1);
    expect(second.alerts.map((a) => `${a.kind} ${a.user}${a.device ? ` ${a.device}` : ''}`)).toEqual([
      `failed-password @analyst1:${DOMAIN}`,
      `unknown-user @root\u2060gnp.exe:${DOMAIN}`.replace('\u2060', ''),
      `unknown-account @mallory:${DOMAIN} MAL1`,
      `new-device @analyst1:${DOMAIN} NEWLAPTOP`,
    ]);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for terminal controls is the point
    expect(second.stderr).not.toMatch(/\u001b|\u202e/);
    expect(await cursor()).toMatch(/;i=7;/);

    // Forget which alerts were raised: only the cursor stands between a restart and repeats.
    const statePath = join(bed.caseDir, 'watch', 'state.json');
    const state = JSON.parse(await readFile(statePath, 'utf8'));
    await writeFile(statePath, JSON.stringify({ ...state, alerted: [] }), { mode: 0o600 });
    const third = await once();
    expect(third.alerts).toEqual([]);
    expect(await cursor()).toMatch(/;i=7;/);

    append(bed.journalDir, [auth('WARNING', `Failed password login for user @lead:${DOMAIN}`)]);
    const fourth = await once();
    expect(fourth.alerts.map((a) => [a.kind, a.user])).toEqual([['failed-password', `@lead:${DOMAIN}`]]);
    expect(await cursor()).toMatch(/;i=8;/);
    const journal = await readFile(join(bed.caseDir, 'journal.jsonl'), 'utf8');
    expect(journal.split('\n').filter((l) => l.includes('"event":"alert"'))).toHaveLength(5);
  });

  it('follows new lines live (journalctl --follow over one ssh connection) and stops on abort', async () => {
    const loaded = await loadCase(bed.caseDir);
    const stop = new AbortController();
    const seen: Alert[] = [];
    let session: Promise<unknown> = Promise.resolve();
    const gotOne = new Promise<void>((resolve) => {
      session = followSession(loaded, stop.signal, (a) => {
        seen.push(a);
        resolve();
      });
    });
    await new Promise((r) => setTimeout(r, 1500));
    append(bed.journalDir, [auth('WARNING', `Attempted to login as @ghost:${DOMAIN} but they do not exist`)]);
    await gotOne;
    stop.abort();
    await session;
    expect(await cursor()).toMatch(/;i=9;/);
    expect(seen.map((a) => [a.kind, a.user])).toEqual([['unknown-user', `@ghost:${DOMAIN}`]]);
  });

  it('an approval given in another terminal while watch runs is kept (the running watch adopts it)', async () => {
    const loaded = await loadCase(bed.caseDir);
    const statePath = join(bed.caseDir, 'watch', 'state.json');
    const status = async (id: string) =>
      Object.values(
        JSON.parse(await readFile(statePath, 'utf8')).items as Record<string, { id: string; status: string }>,
      )
        .filter((i) => i.id === id)
        .map((i) => i.status);
    expect(await status('NEWLAPTOP')).toEqual(['new']);
    const stop = new AbortController();
    let alerted: () => void = () => {};
    const gotAlert = new Promise<void>((r) => {
      alerted = r;
    });
    const session = followSession(loaded, stop.signal, () => alerted());
    await new Promise((r) => setTimeout(r, 1500));
    await approveItems(loaded, ['NEWLAPTOP']);
    // The running watch writes its state again (an alert), after the approval.
    append(bed.journalDir, [auth('WARNING', `Failed password login for user @lead:${DOMAIN}`)]);
    await gotAlert;
    stop.abort();
    await session;
    expect(await status('NEWLAPTOP')).toEqual(['approved']);
  });

  it('a line that cannot be handled while following stops the reader with that error (no crash, no later line)', async () => {
    append(bed.journalDir, [
      auth('WARNING', `Failed password login for user @lead:${DOMAIN}`),
      auth('WARNING', `Failed password login for user @analyst1:${DOMAIN}`),
    ]);
    const handled: string[] = [];
    const read = readJournal(
      {
        target: { host: '127.0.0.1', port: bed.sshd.port, user: 'root', identityFile: bed.sshd.clientKey },
        knownHosts: join(bed.caseDir, 'known_hosts'),
        become: false,
        journalDir: bed.journalDir,
        follow: true,
      },
      undefined,
      {
        event: (ev) => {
          handled.push(ev.user);
          throw new Error('disk full');
        },
        cursor: () => undefined,
      },
    );
    // With --follow ssh never ends by itself: the reader must stop on the failure.
    await expect(read).rejects.toThrow('disk full');
    expect(handled).toHaveLength(1);
  });

  it('never trusts another host key: a changed key fails the log source, nothing read', async () => {
    const before = await cursor();
    await writeFile(
      join(bed.caseDir, 'known_hosts'),
      `[127.0.0.1]:${bed.sshd.port} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n`,
      { mode: 0o600 },
    );
    append(bed.journalDir, [auth('WARNING', `Failed password login for user @lead:${DOMAIN}`)]);
    const err = await once().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toBe('the log source failed (see the warning above)');
    expect(await cursor()).toBe(before);
    await writeFile(join(bed.caseDir, 'known_hosts'), '', { mode: 0o600 });
    await expect(once()).rejects.toThrow(`no host key pinned for 127.0.0.1 port ${bed.sshd.port}`);
    await writeFile(join(bed.caseDir, 'known_hosts'), `${bed.sshd.knownHostsLine}\n`, { mode: 0o600 });
  });

  it('a journal-cursor file that is not a journald cursor is refused: exit 2 naming it, the file kept', async () => {
    const file = join(bed.caseDir, 'watch', 'journal-cursor');
    const before = await cursor();
    await writeFile(file, "s=1;i=2' ; touch /tmp/pwned '\n", { mode: 0o600 });
    const err = await once().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).exitCode).toBe(2);
    expect((err as UserError).message).toBe(`${file} does not hold a journald cursor`);
    expect((err as UserError).hint).toContain('delete the file');
    expect(await cursor()).toBe("s=1;i=2' ; touch /tmp/pwned '\n");
    await writeFile(file, before, { mode: 0o600 });
  });
});
