import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WatchCommandOptions } from '../../src/commands/watch/command.js';
import { runWatch } from '../../src/commands/watch/run.js';
import { ExitError } from '../../src/errors.js';
import { memoryOutput } from '../../src/ui/output.js';
import type { Alert } from '../../src/watch/detect.js';
import { makeCase } from './case.js';
import { importEntries } from './journal-export.js';
import { startSshd, type TestSshd } from './sshd.js';

/**
 * What the log source's integration tests run against: the real sshd on loopback (its host key
 * pinned in the case), a case whose server is that sshd (users lead, an admin, and analyst1),
 * and an empty journal directory that the real journalctl reads on the "server".
 */
export interface JournalBed {
  sshd: TestSshd;
  caseDir: string;
  journalDir: string;
  cleanup(): Promise<void>;
}

export async function startJournalBed(domain: string): Promise<JournalBed> {
  const sshd = await startSshd();
  const kase = await makeCase({
    domain,
    server: { address: '127.0.0.1', ssh_port: sshd.port, ssh_user: 'root' },
    users: [{ name: 'lead', admin: true }, { name: 'analyst1' }],
  });
  const journalDir = await mkdtemp(join(tmpdir(), 'matrix-oob-journal-'));
  await writeFile(join(kase.dir, 'known_hosts'), `${sshd.knownHostsLine}\n`, { mode: 0o600 });
  return {
    sshd,
    caseDir: kase.dir,
    journalDir,
    cleanup: async () => {
      await rm(journalDir, { recursive: true, force: true });
      await kase.cleanup();
      await sshd.stop();
    },
  };
}

/** Appends lines (one entry each, 1 ms apart from `atMs`) to a journal, numbering them on. */
export function journalAppender(): (dir: string, messages: string[], atMs?: number) => void {
  let seq = 1;
  return (dir, messages, atMs = Date.now()) => {
    importEntries(
      dir,
      messages.map((message, i) => ({ message, realtimeUs: (atMs + i) * 1000 })),
      seq,
    );
    seq += messages.length;
  };
}

/** The bed, started before the suite's tests and removed after them (read it inside tests). */
export function journalBedSuite(domain: string): JournalBed {
  const bed = {} as JournalBed;
  beforeAll(async () => {
    Object.assign(bed, await startJournalBed(domain));
  });
  afterAll(async () => {
    await bed.cleanup?.();
  });
  return bed;
}

/** `matrix-oob watch --once --json` on the bed's case (the log source through its sshd). */
export async function watchOnce(
  bed: JournalBed,
  extra: Partial<WatchCommandOptions> = {},
): Promise<{ exit: number; alerts: Alert[]; stderr: string }> {
  const out = memoryOutput();
  const opts: WatchCommandOptions = {
    once: true,
    interval: '5',
    approve: [],
    notify: false,
    source: 'log',
    journalDir: bed.journalDir,
    timeout: '5',
    ...extra,
  };
  let exit = 0;
  try {
    await runWatch({
      opts,
      globals: { case: bed.caseDir, json: true, yes: true },
      out,
      env: { ...process.env, ANSIBLE_PRIVATE_KEY_FILE: bed.sshd.clientKey },
    });
  } catch (err) {
    if (err instanceof ExitError) exit = err.exitCode;
    else throw err;
  }
  return { exit, alerts: JSON.parse(out.stdout.join('')).alerts, stderr: out.stderr.join('\n') };
}
