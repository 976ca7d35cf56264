import type { RawConfig } from '../commands/init/flags.js';
import { UserError } from '../errors.js';
import type { Output } from '../ui/output.js';

export interface WizardRequest {
  /** Answers already given by flags: those questions are skipped. */
  preset: RawConfig;
  /** false with --yes, without a TTY, or in CI: never prompt. */
  interactive: boolean;
  out: Output;
}

/**
 * CALL SITE for the interactive wizard (src/commands/init/run.ts calls this when there is no
 * --config). Until the wizard lands, only the non-interactive rule is implemented: required
 * values must come from flags.
 */
export async function runWizard(req: WizardRequest): Promise<RawConfig> {
  const missing: string[] = [];
  if (!req.preset.domain) missing.push('domain (--domain example.com)');
  if (!req.preset.server?.address) missing.push('server address (--address 203.0.113.10)');
  if (missing.length > 0) {
    throw new UserError(`missing ${missing.join(' and ')}`, {
      hint: 'pass the flags, or use --config FILE (see examples/case.yml).',
    });
  }
  return req.preset;
}
