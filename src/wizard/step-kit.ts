import type { WizardContext } from './context.js';

/** One question of the wizard (src/wizard/steps.ts lists them in order). */
export interface Step {
  name: string;
  run(ctx: WizardContext): Promise<void>;
}

export type Ctx<K extends keyof WizardContext> = Pick<WizardContext, K>;

/** A validator's message for the inline prompt, or true. */
export const inline = (problem: string | undefined): string | true => problem ?? true;

/** An optional text answer: empty means "none". */
export const optional = (check: (v: string) => string | undefined) => (v: string) =>
  inline(v.trim() === '' ? undefined : check(v.trim()));
