import { interruptOnSignals } from '../../adapters/signals.js';
import { credentialsPath, readPassword } from '../../case/credentials.js';
import { loadCase } from '../../config/load.js';
import { homeserverUrl } from '../../control-room/case.js';
import { InterruptedError, UserError } from '../../errors.js';
import { lockRecord } from '../../record/lock.js';
import { formatStatus } from '../../record/status.js';
import { Redactor } from '../../secrets/redact.js';
import type { Output } from '../../ui/output.js';
import { processTerminal, type Terminal } from '../../ui/terminal.js';
import type { GlobalOptions } from '../context.js';
import type { RecordOptions } from './command.js';

export interface RecordRequest {
  opts: RecordOptions;
  globals: GlobalOptions;
  out: Output;
  terminal?: Terminal;
  /** The CLI's own process: exit once done (the SDK's crypto keeps timers alive). */
  exitWhenDone?: boolean;
}

/** `matrix-oob record`: see docs/record.md. */
export async function runRecord({
  opts,
  globals,
  out,
  terminal = processTerminal(),
  exitWhenDone = false,
}: RecordRequest): Promise<void> {
  if (opts.passphraseFile && !opts.importKeys) {
    throw new UserError(
      '--passphrase-file is the passphrase of a key export: it goes with --import-keys FILE',
      {
        hint: 'matrix-oob record --import-keys FILE --passphrase-file PASSFILE (the recorder itself needs no passphrase).',
      },
    );
  }
  const { config, paths, warnings } = await loadCase(globals.case);
  for (const w of warnings) out.warn(w);
  if (opts.importKeys) {
    const { runImportKeys } = await import('./import-keys.js');
    await runImportKeys({
      file: opts.importKeys,
      passphraseFile: opts.passphraseFile,
      caseRoot: paths.root,
      journalPath: paths.journal,
      userId: `@${config.recorder.name}:${config.domain}`,
      json: globals.json,
      out,
    });
    return;
  }
  if (!config.recorder.enabled) {
    throw new UserError('the recorder is off in this case (recorder.enabled: false)', {
      hint: 'set recorder.enabled: true in matrix-oob.yml, then "matrix-oob user add --all" and "matrix-oob control-room".',
    });
  }
  // Where the recorder's password goes: held to the same rule as the admin's (https, this case's server).
  const baseUrl = homeserverUrl(config.domain, opts.homeserverUrl, {
    address: config.server.address,
    ...(opts.homeserverUrlFrom ? { from: opts.homeserverUrlFrom } : {}),
  });
  const credFile = credentialsPath(paths.credentialsDir, config.recorder.name);
  const password = await readPassword(credFile);
  if (!password) {
    throw new UserError(`no password for the recorder: ${credFile} is missing`, {
      hint: 'register it first: matrix-oob user add --all (then matrix-oob control-room to invite it).',
    });
  }
  // One writer of the record at a time (released in the finally below, or at exit).
  const unlock = await lockRecord(paths.root, 'record');
  const interrupt = interruptOnSignals();
  const { Recorder } = await import('../../record/recorder.js');
  const { homeserverFailure } = await import('../../record/sync.js');
  const started = Date.now();
  let shown = false;
  const draw = (text: string) => {
    if (!terminal.isTTY) return;
    terminal.write(`\r\u001b[K${text}`);
    shown = true;
  };
  const log = (line: string) => {
    if (shown) terminal.write('\r\u001b[K');
    shown = false;
    out.info(line);
  };
  const recorder = new Recorder({
    caseRoot: paths.root,
    journalPath: paths.journal,
    baseUrl,
    ...(opts.homeserverUrlFrom ? { urlFrom: opts.homeserverUrlFrom } : {}),
    user: config.recorder.name,
    password,
    once: opts.once,
    signal: interrupt.signal,
    log,
    quietSdk: exitWhenDone,
  });
  const timer = setInterval(
    () => draw(formatStatus(recorder.status(), Date.now() - started, terminal.columns())),
    500,
  );
  timer.unref();
  interrupt.signal.addEventListener(
    'abort',
    () => log('stopping: storing what was received and checkpointing…'),
    {
      once: true,
    },
  );
  try {
    const summary = await recorder.run().catch((err: unknown) => {
      throw homeserverFailure(err, baseUrl, new Redactor([password]));
    });
    clearInterval(timer);
    if (shown) terminal.write('\r\u001b[K');
    if (globals.json) out.data(JSON.stringify({ ok: true, ...summary }, null, 2));
    out.info(
      `recorded: ${summary.rooms} rooms, ${summary.events} new events, ${summary.decrypted} decrypted, ${summary.undecryptable} undecryptable, ${summary.media} attachments`,
    );
    for (const [file, h] of Object.entries(summary.heads)) out.info(`  ${file}=${h.seq}:${h.hash}`);
    if (interrupt.signal.aborted)
      throw new InterruptedError('recorder stopped: everything received is stored and checkpointed.');
  } finally {
    await unlock();
    clearInterval(timer);
    interrupt.dispose();
    // src/index.ts sets the exit code once this returns; then nothing of ours is left running.
    if (exitWhenDone) setTimeout(() => process.exit(), 200).unref();
  }
}
