import type { Prompt } from '../adapters/prompt.js';
import { mergeRaw, type RawConfig } from '../config/raw.js';
import {
  addressProblem,
  checkDomain,
  emailProblem,
  ipv4Problem,
  ipv6Problem,
  localpartProblem,
  portProblem,
  sshUserProblem,
} from '../config/validators.js';
import { InterruptedError, UserError } from '../errors.js';
import type { Output } from '../ui/output.js';
import type { Missing, WizardContext } from './context.js';
import { STEPS } from './steps.js';
import { changeLines, summaryLines } from './summary.js';

export type { Missing, WizardContext } from './context.js';
export { type Interactivity, interactivity } from './interactive.js';
export { STEPS } from './steps.js';
export { summaryLines } from './summary.js';

export interface WizardOptions {
  /** Answers from flags (flagsToConfig(opts)): those questions are skipped. */
  preset: RawConfig;
  prompt: Prompt;
  /** See interactivity(): false never prompts. */
  interactive: boolean;
  out: Output;
  /** Why the wizard is not interactive (for the error hint), from interactivity(). */
  reason?: string;
  /** The case being updated (its folder and current answers): they are the defaults. */
  existing?: ExistingCase | undefined;
  /** Finds the case a domain's answers would update (the default folder), after the domain question. */
  findCase?: (domain: string) => Promise<ExistingCase | undefined>;
  /**
   * Every check that can run before "Write?" (warnings, the case folder, git): prints what it
   * finds, throws UserError for what cannot be written. Runs before the summary.
   */
  check?: (answers: RawConfig) => Promise<void>;
}

export interface ExistingCase {
  dir: string;
  raw: RawConfig;
}

/**
 * Ask for every field of the config that no flag answered, show a summary, confirm, and return
 * the raw config (run.ts validates it with validateConfig and writes the case folder). Not
 * interactive: never prompts; uses the declared defaults, or throws a UserError (exit 2) naming
 * each missing value and the flag that supplies it. Ctrl-C: the prompt throws ExitPromptError
 * (exit 130). Writes nothing.
 */
export async function runWizard(opts: WizardOptions): Promise<RawConfig> {
  const { preset, out, interactive } = opts;
  if (interactive) rejectBadFlags(preset);
  let asked = 0;
  const prompt: Prompt = {
    input: (q) => {
      asked++;
      return opts.prompt.input(q);
    },
    confirm: (q) => {
      asked++;
      return opts.prompt.confirm(q);
    },
    select: (q) => {
      asked++;
      return opts.prompt.select(q);
    },
  };
  let existing = opts.existing;
  if (interactive) {
    out.info(
      existing
        ? `Updating the case in ${existing.dir}: its current answers are the defaults; what changes is shown before anything is written. Ctrl-C quits and writes nothing.`
        : 'Setting up a new case. Enter accepts the default shown in (brackets); Ctrl-C quits and writes nothing.',
    );
  }
  let previous: RawConfig | undefined = existing?.raw;
  for (;;) {
    const ctx: WizardContext = {
      preset,
      answers: {},
      previous,
      prompt,
      interactive,
      out,
      missing: [],
      lockedDomain: existing?.raw.domain,
    };
    asked = 0;
    for (const step of STEPS) {
      await step.run(ctx);
      if (step.name === 'domain' && !existing && ctx.answers.domain && opts.findCase) {
        existing = await opts.findCase(ctx.answers.domain);
        if (existing) {
          if (interactive) {
            out.info(
              `A case for ${ctx.answers.domain} exists in ${existing.dir}: its current answers are the defaults; what changes is shown before anything is written.`,
            );
          }
          ctx.previous = previous ?? existing.raw;
        }
      }
    }
    if (!interactive) {
      // An existing case without questions: its answers, with the flags' changes on top (the
      // declared defaults must not replace what the case says).
      if (existing) return mergeRaw(existing.raw, preset);
      if (ctx.missing.length > 0) throw missingError(ctx.missing, opts.reason);
      return ctx.answers;
    }
    const questions = asked;
    await opts.check?.(ctx.answers);
    out.info('\nSummary:');
    for (const line of summaryLines(ctx.answers)) out.info(line);
    if (existing) {
      const changes = changeLines(existing.raw, ctx.answers);
      out.info(
        changes.length > 0
          ? `\nChanges to the case in ${existing.dir}:`
          : "\nNo changes to the case's answers.",
      );
      for (const line of changes) out.info(line);
    }
    const ok = await prompt.confirm({
      name: 'confirm',
      message: 'Write the case folder with these settings?',
      default: true,
    });
    if (ok) return ctx.answers;
    // Every answer came from a flag: nothing to answer again.
    if (questions === 0) throw new InterruptedError('not confirmed; nothing was written.');
    out.info('Answer again: your previous answers are now the defaults (Ctrl-C quits; nothing was written).');
    previous = ctx.answers;
  }
}

/** One line naming every missing value and the flags that supply them. */
export function missingError(missing: readonly Missing[], reason?: string): UserError {
  const whats = missing.map((m) => m.what);
  const what = whats.length === 1 ? whats[0] : `${whats.slice(0, -1).join(', ')} and ${whats.at(-1)}`;
  const flags = missing.map((m) => m.flag).join(' ');
  return new UserError(`missing ${what}: pass ${flags} or use --config FILE`, {
    hint: `not asking${reason ? ` because ${reason}` : ''}; nothing was written.`,
  });
}

/** Flag values checked before the first question, with the same validators as the config file. */
export function flagProblems(preset: RawConfig): string[] {
  const problems: string[] = [];
  const check = <T>(flag: string, value: T | undefined, validator: (v: T) => string | undefined) => {
    if (value === undefined) return;
    const problem = validator(value);
    if (problem) problems.push(`${flag}: ${problem}`);
  };
  const s = preset.server ?? {};
  check('--domain', preset.domain, (v) => checkDomain(v).error);
  check('--address', s.address, addressProblem);
  check('--ssh-user', s.ssh_user, sshUserProblem);
  check('--ssh-port', s.ssh_port, portProblem);
  check('--ipv6', s.ipv6, ipv6Problem);
  check('--external-ip', preset.audio_video?.external_ip, ipv4Problem);
  check('--letsencrypt-email', preset.letsencrypt_email, emailProblem);
  const domain = preset.domain !== undefined ? checkDomain(preset.domain).value : undefined;
  for (const u of preset.users ?? []) check('--user', u.name, (v) => localpartProblem(v, domain));
  return problems;
}

function rejectBadFlags(preset: RawConfig): void {
  const problems = flagProblems(preset);
  if (problems.length === 0) return;
  if (problems.length === 1) {
    throw new UserError(problems[0]!, { hint: 'fix the flag and run again; nothing was asked or written.' });
  }
  throw new UserError(`${problems.length} flags have bad values:`, {
    details: problems,
    hint: 'fix the flags and run again; nothing was asked or written.',
  });
}
