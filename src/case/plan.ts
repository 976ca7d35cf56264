import { ensurePrivateDir, writeFileAtomic } from '../adapters/files.js';
import { Redactor } from '../secrets/redact.js';

/** One file a command intends to write. */
export interface PlannedFile {
  path: string;
  content: string;
  /** Holds secrets: masked in --dry-run. */
  secret: boolean;
  /** created | updated | unchanged */
  change: 'created' | 'updated' | 'unchanged';
}

/**
 * Side effects are planned first (everything computed and validated in memory), then applied
 * in one go. A plan that is never applied writes nothing: --dry-run and every error path.
 */
export interface WritePlan {
  dirs: string[];
  files: PlannedFile[];
}

/** Apply a plan: folders 0700, files 0600, each file atomic. SIGINT waits until it is done. */
export async function applyPlan(plan: WritePlan): Promise<void> {
  let interrupted = false;
  const hold = () => {
    interrupted = true;
  };
  process.on('SIGINT', hold);
  process.on('SIGTERM', hold);
  try {
    for (const dir of plan.dirs) await ensurePrivateDir(dir);
    for (const file of plan.files) {
      if (file.change !== 'unchanged') await writeFileAtomic(file.path, file.content);
    }
  } finally {
    process.off('SIGINT', hold);
    process.off('SIGTERM', hold);
  }
  if (interrupted) {
    const { InterruptedError } = await import('../errors.js');
    throw new InterruptedError('interrupted after the case folder was written completely');
  }
}

/** Replace each given secret string by ******** for display. */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  // The one redactor: raw values and every escaped form (YAML `it''s`, JSON, shell...).
  return new Redactor(secrets, '********').redact(text);
}
