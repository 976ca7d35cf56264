import { stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { readIfExists } from '../../adapters/files.js';
import type { Capture } from '../../adapters/process.js';
import { trackingWarning, trackingWorkTree } from '../../case/git-tracking.js';
import { CONFIG_FILE } from '../../case/paths.js';
import { readState } from '../../case/state.js';
import { parseConfigText } from '../../config/validate.js';
import { UserError } from '../../errors.js';
import type { Output } from '../../ui/output.js';
import { type ExistingCase, STEPS } from '../../wizard/index.js';
import type { RawConfig } from './flags.js';

/** The keys the wizard asks (its steps' top-level keys); the others of a config are kept. */
const ASKED = new Set(STEPS.map((step) => step.name.split('.')[0]!));

/** The case in `dir`, if it has a config: its raw answers (playbook.path made absolute). */
export async function readExistingCase(dir: string): Promise<ExistingCase | undefined> {
  const file = join(dir, CONFIG_FILE);
  const text = await readIfExists(file).catch(() => undefined);
  if (text === undefined) return undefined;
  const raw = (parseConfigText(text, file) ?? {}) as RawConfig;
  if (typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const path = raw.playbook?.path;
  if (typeof path === 'string' && !isAbsolute(path))
    raw.playbook = { ...raw.playbook, path: resolve(dir, path) };
  return { dir, raw };
}

/** The wizard's answers over an existing case: what it does not ask is kept as it was. */
export function keepUnasked(existing: RawConfig, answers: RawConfig): RawConfig {
  const out: RawConfig = {};
  for (const [k, v] of Object.entries(existing)) if (!ASKED.has(k)) out[k] = v;
  Object.assign(out, answers);
  // Same checkout: keep where it came from (repo, ref) too.
  if (existing.playbook && answers.playbook?.path === existing.playbook.path)
    out.playbook = existing.playbook;
  return out;
}

/** A case folder that is a file (or sits below one) cannot be written: say so before asking more. */
export async function refuseFileAsFolder(root: string): Promise<void> {
  let p = root;
  for (;;) {
    const s = await stat(p).catch(() => undefined);
    if (s && !s.isDirectory()) {
      throw new UserError(`cannot create the case folder ${root}: ${p} is a file, not a folder`, {
        hint: 'give another case folder (matrix-oob init <dir>), or move the file away; nothing was written.',
      });
    }
    if (s) return;
    const up = resolve(p, '..');
    if (up === p) return;
    p = up;
  }
}

/** The git warning: secrets written into a working tree that would track them. */
export async function warnIfTracked(root: string, capture: Capture, out: Output): Promise<void> {
  const top = await trackingWorkTree(root, capture);
  if (top) out.warn(trackingWarning(root, top));
}

/** Whether this case's server was installed (deploy finished its last stage). */
export async function deployed(statePath: string): Promise<boolean> {
  const state = await readState(statePath).catch(() => undefined);
  const stages = state?.deploy?.stages ?? {};
  return Object.values(stages).some((s) => s?.status === 'finished');
}
