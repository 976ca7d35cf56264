import { resolve } from 'node:path';
import { exists } from '../../adapters/files.js';
import { casePaths } from '../../case/paths.js';
import { ExitCode, ExitError, UserError } from '../../errors.js';
import { headsToCheckpoints, parseHead } from '../../record/heads.js';
import { verifyCase } from '../../record/verify.js';
import type { Output } from '../../ui/output.js';
import type { GlobalOptions } from '../context.js';
import type { RecordVerifyOptions } from './command.js';

export interface RecordVerifyRequest {
  opts: RecordVerifyOptions;
  globals: GlobalOptions;
  out: Output;
}

/** `matrix-oob record verify`: exit 0 intact, 5 broken (ExitCode.TAMPERED), 2 bad usage. Reads only; writes nothing. */
export async function runRecordVerify({ opts, globals, out }: RecordVerifyRequest): Promise<void> {
  const heads = opts.head.map((spec) => {
    const h = parseHead(spec);
    if (!h) {
      throw new UserError(`--head ${JSON.stringify(spec)} is not FILE=SEQ:HASH`, {
        hint: 'copy a line teardown printed, e.g. --head journal.jsonl=42:<64 hex digits>',
      });
    }
    return h;
  });
  const root = resolve(globals.case);
  // The journal's path does not depend on the domain; the case may be torn down, so no config load.
  const journal = casePaths(root, 'unused').journal;
  if (!(await exists(journal))) {
    throw new UserError(`${root} has no journal.jsonl: not a case folder`, {
      hint: 'run from the case folder or pass --case DIR.',
    });
  }
  const result = await verifyCase(root, journal, headsToCheckpoints(heads));
  for (const f of result.files) {
    out.info(
      f.problem
        ? `BROKEN  ${f.file}: ${f.problem.message}`
        : `ok      ${f.file}: ${f.lines} lines, head ${f.head.seq}:${f.head.hash}`,
    );
  }
  const broken = result.files.filter((f) => f.problem);
  out.info(
    result.ok
      ? `record verify: all ${result.files.length} chains intact`
      : `record verify: ${broken.length} of ${result.files.length} chains broken (first: ${broken[0]?.file} line ${broken[0]?.problem?.line})`,
  );
  if (globals.json) out.data(JSON.stringify(result, null, 2));
  if (!result.ok) throw new ExitError(ExitCode.TAMPERED);
}
