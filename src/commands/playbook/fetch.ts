import { resolve } from 'node:path';
import { type Capture, capture as realCapture } from '../../adapters/process.js';
import { interruptOnSignals } from '../../adapters/signals.js';
import { stream as realStream, type Stream } from '../../adapters/stream.js';
import { journal } from '../../case/journal.js';
import { type LoadedCase, loadCase } from '../../config/load.js';
import { InterruptedError, UserError } from '../../errors.js';
import { fetchPlaybook } from '../../playbook/fetch.js';
import { checkoutPath, chooseSource, displayUrl, PINNED_COMMIT } from '../../playbook/pin.js';
import { recordCheckout } from '../../playbook/record.js';
import type { Output } from '../../ui/output.js';
import type { GlobalOptions } from '../context.js';
import type { FetchFlags } from './command.js';

export interface FetchCommandRequest {
  flags: FetchFlags;
  globals: GlobalOptions;
  out: Output;
  capture?: Capture;
  stream?: Stream;
  env?: NodeJS.ProcessEnv;
}

export async function runFetch(req: FetchCommandRequest): Promise<void> {
  const { flags, globals, out } = req;
  const env = req.env ?? process.env;
  for (const [name, value] of [
    ['--repo', flags.repo],
    ['--ref', flags.ref],
    ['--dir', flags.dir],
  ] as const) {
    if (value !== undefined && (value.trim() === '' || value.startsWith('-'))) {
      throw new UserError(`${name}: "${value}" is not usable here`, {
        hint: `give ${name} a value, e.g. ${example(name)}.`,
      });
    }
  }
  let loaded: LoadedCase | undefined;
  try {
    loaded = await loadCase(globals.case);
  } catch (err) {
    // Without a case the checkout can still be fetched into an explicit --dir; nothing is recorded.
    if (!(err instanceof UserError) || flags.dir === undefined || !err.message.startsWith('no case'))
      throw err;
  }
  const source = chooseSource(flags, loaded?.config.playbook, env);
  const dir = flags.dir ? resolve(flags.dir) : checkoutPath(loaded!);
  if (source.refFrom === 'config' && source.ref !== PINNED_COMMIT) {
    out.info(
      `note: using playbook.ref ${source.ref} from matrix-oob.yml; this matrix-oob is tested with ${PINNED_COMMIT} (--ref ${PINNED_COMMIT} to move to it).`,
    );
  }
  if (displayUrl(source.repo) !== source.repo) {
    out.warn(
      "the repository URL contains credentials; they end up in matrix-oob.yml and in git's process list: prefer an SSH URL or a git credential helper.",
    );
  }
  const started = performance.now();
  const interrupt = interruptOnSignals();
  try {
    const result = await fetchPlaybook(
      { dir, repo: source.repo, ref: source.ref },
      {
        capture: req.capture ?? realCapture,
        stream: req.stream ?? realStream,
        out,
        tty: !globals.json && process.stderr.isTTY === true,
        env,
        signal: interrupt.signal,
      },
    );
    if (loaded) {
      await recordCheckout(loaded.paths.config, loaded.paths.root, result);
      await journal(loaded.paths.journal, {
        command: 'playbook fetch',
        result: 'ok',
        repo: displayUrl(result.repo),
        ref: result.ref,
        commit: result.commit,
        duration_ms: Math.round(performance.now() - started),
      });
    }
    const where = loaded ? `; recorded in ${loaded.paths.config}` : ' (no case: nothing recorded)';
    out.info(
      `playbook ${result.ref} (${result.commit.slice(0, 12)}) ready at ${result.path} with ${result.roles} galaxy role${result.roles === 1 ? '' : 's'}${where}.`,
    );
    if (globals.json) out.data(JSON.stringify({ ...result, repo: displayUrl(result.repo) }, null, 2));
  } catch (err) {
    if (loaded) {
      await journal(loaded.paths.journal, {
        command: 'playbook fetch',
        result: err instanceof InterruptedError ? 'interrupted' : 'failed',
        repo: displayUrl(source.repo),
        ref: source.ref,
        error: err instanceof Error ? err.message : String(err),
      }).catch(() => undefined);
    }
    throw err;
  } finally {
    interrupt.dispose();
  }
}

function example(flag: string): string {
  if (flag === '--repo') return '--repo https://github.com/spantaleev/matrix-docker-ansible-deploy.git';
  if (flag === '--ref') return `--ref ${PINNED_COMMIT}`;
  return '--dir ./playbook';
}
