/**
 * Questions behind an adapter, so commands can be tested with scripted answers. The real one
 * loads @inquirer/prompts only when a question is asked and draws on stderr (stdout is for --json).
 */
export interface Choice<T> {
  name: string;
  value: T;
  description?: string;
}

export interface Prompts {
  confirm(message: string, defaultAnswer?: boolean): Promise<boolean>;
  /** `defaultValue` is where the cursor starts. */
  select<T>(message: string, choices: readonly Choice<T>[], defaultValue?: T): Promise<T>;
}

/** Whether a human can answer: stdin and stderr are terminals. */
export function canPrompt(stdin: { isTTY?: boolean } = process.stdin, stderr = process.stderr): boolean {
  return stdin.isTTY === true && stderr.isTTY === true;
}

export function inquirerPrompts(): Prompts {
  const context = { output: process.stderr };
  return {
    async confirm(message, defaultAnswer = false) {
      const { confirm } = await import('@inquirer/prompts');
      return confirm({ message, default: defaultAnswer }, context);
    },
    async select<T>(message: string, choices: readonly Choice<T>[], defaultValue?: T) {
      const { select } = await import('@inquirer/prompts');
      return select<T>(
        {
          message,
          choices: choices.map((c) => ({ ...c })),
          ...(defaultValue !== undefined ? { default: defaultValue } : {}),
        },
        context,
      );
    },
  };
}

/** Scripted answers for tests; an unexpected question fails loudly. */
export function scriptedPrompts(answers: unknown[]): Prompts & { asked: string[] } {
  const asked: string[] = [];
  const next = (message: string) => {
    asked.push(message);
    if (answers.length === 0) throw new Error(`unexpected prompt: ${message}`);
    return answers.shift();
  };
  return {
    asked,
    confirm: async (message) => next(message) as boolean,
    select: async <T>(message: string) => next(message) as T,
  };
}
