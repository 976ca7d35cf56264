import { inquirerPrompt, type Prompt } from '../adapters/prompt.js';
import { UserError } from '../errors.js';
import { interactivity } from '../wizard/interactive.js';
import { confirmationMatches } from './plan.js';

/** What the confirmation needs from the command. */
export interface ConfirmInput {
  /** --confirm, when given. */
  typed: string | undefined;
  yes: boolean;
  env: NodeJS.ProcessEnv;
  /** Overrides the non-interactive rule (tests). */
  interactive?: boolean;
  prompt?: Prompt;
}

/** The typed domain name: --confirm, or asked on a terminal; never assumed. */
export async function confirmTeardown(input: ConfirmInput, domain: string): Promise<void> {
  let typed = input.typed;
  if (typed === undefined) {
    const how = interactivity(input.yes, process.stdin, input.env);
    const interactive = input.interactive ?? how.interactive;
    if (!interactive) {
      throw new UserError(
        `teardown needs the domain name typed out, and cannot ask (${how.reason ?? 'not interactive'}): nothing was removed`,
        { hint: `pass --confirm ${domain} to confirm from a script.` },
      );
    }
    const prompt = input.prompt ?? inquirerPrompt();
    typed = await prompt.input({
      name: 'confirm',
      message: `Type the domain name (${domain}) to destroy this server and its secrets:`,
    });
  }
  if (!confirmationMatches(typed, domain)) {
    throw new UserError(
      `the confirmation does not match the domain ${domain}: teardown aborted, nothing was removed`,
      {
        hint: `type the case's domain exactly (${domain}), or pass --confirm ${domain}.`,
      },
    );
  }
}
