import type { Prompt } from '../adapters/prompt.js';
import type { RawConfig } from '../config/raw.js';
import type { Output } from '../ui/output.js';

/** A required value that nobody supplied while the wizard could not ask (non-interactive). */
export interface Missing {
  /** What is missing, in words: "domain", "server address". */
  what: string;
  /** The flag that supplies it, with an example value. */
  flag: string;
}

/**
 * The one object the wizard's steps work on (the create-astro pattern). Each step declares the
 * part it uses with `Pick<WizardContext, ...>`.
 */
export interface WizardContext {
  /** Answers given by flags (flagsToConfig): their questions are never asked. */
  preset: RawConfig;
  /** The config being built, step by step. */
  answers: RawConfig;
  /** Answers of an earlier round (the user did not confirm the summary): used as defaults. */
  previous: RawConfig | undefined;
  prompt: Prompt;
  /** Updating an existing case: its domain cannot change (asked, but only this is accepted). */
  lockedDomain?: string | undefined;
  /** False with --yes, without a TTY on stdin, or in CI: never ask, use defaults or fail. */
  interactive: boolean;
  out: Output;
  missing: Missing[];
}
