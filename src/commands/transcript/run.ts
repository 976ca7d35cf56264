import { stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { writeFileAtomic } from '../../adapters/files.js';
import { loadCase } from '../../config/load.js';
import { UserError } from '../../errors.js';
import { recordPaths } from '../../record/paths.js';
import { verifyCase } from '../../record/verify.js';
import { renderHtml } from '../../transcript/html.js';
import { renderJsonl } from '../../transcript/jsonl.js';
import { loadRooms } from '../../transcript/model.js';
import type { Output } from '../../ui/output.js';
import type { GlobalOptions } from '../context.js';
import type { TranscriptOptions } from './command.js';

export interface TranscriptRequest {
  opts: TranscriptOptions;
  globals: GlobalOptions;
  out: Output;
}

/** `matrix-oob transcript`: exit 0 written, 2 bad usage or nothing recorded. */
export async function runTranscript({ opts, globals, out }: TranscriptRequest): Promise<void> {
  if (opts.format !== 'html' && opts.format !== 'jsonl') {
    throw new UserError(`--format ${JSON.stringify(opts.format)} is not html or jsonl`, {
      hint: 'use --format html (for people) or --format jsonl (for tools).',
    });
  }
  if (opts.output !== undefined && opts.output !== '-') await checkOutput(resolve(opts.output), opts.format);
  const { config, paths } = await loadCase(globals.case);
  const rec = recordPaths(paths.root);
  const rooms = await loadRooms(rec);
  if (rooms.length === 0) {
    throw new UserError(`nothing recorded in ${rec.rooms}`, {
      hint: 'run "matrix-oob record" (docs/record.md) first.',
    });
  }
  const verification = await verifyCase(paths.root, paths.journal);
  if (!verification.ok)
    out.warn(
      'a hash chain of the case is broken: the transcript says so on its first page (run "matrix-oob record verify").',
    );
  const generated = new Date().toISOString();
  const file =
    opts.output === '-' ? undefined : resolve(opts.output ?? `${rec.root}/transcript.${opts.format}`);
  // Attachments are linked where they are (record/media/), from wherever the file is written.
  const media = urlPath(relative(file ? dirname(file) : process.cwd(), rec.media));
  const text =
    opts.format === 'html'
      ? renderHtml(rooms, verification, { domain: config.domain, generated, media })
      : renderJsonl(rooms, verification);
  if (file === undefined) {
    out.data(text);
    return;
  }
  // Outside the case (-o), the user's folder keeps its permissions; the file is 0600 anyway.
  await writeFileAtomic(file, text, { privateDir: opts.output === undefined });
  const events = rooms.reduce((n, r) => n + r.items.length, 0);
  out.info(`transcript: ${rooms.length} rooms, ${events} events → ${file}`);
  if (globals.json)
    out.data(JSON.stringify({ ok: true, file, rooms: rooms.length, events, verified: verification.ok }));
}

/** -o FILE: a file name in a folder that exists (refused before anything is read). */
async function checkOutput(file: string, format: string): Promise<void> {
  if ((await stat(file).catch(() => undefined))?.isDirectory()) {
    throw new UserError(`--output ${file} is a folder`, {
      hint: `give a file name, e.g. -o ${join(file, `transcript.${format}`)}`,
    });
  }
  if (!(await stat(dirname(file)).catch(() => undefined))?.isDirectory()) {
    throw new UserError(`--output ${file}: the folder ${dirname(file)} does not exist`, {
      hint: 'create it first, or write to stdout with -o -.',
    });
  }
}

/** A relative file path as a URL path: each part percent-encoded. */
function urlPath(path: string): string {
  return path.split(sep).map(encodeURIComponent).join('/');
}
