/**
 * The prompt adapter: the only place that talks to the terminal for questions. The wizard gets a
 * `Prompt` passed in, so unit tests can drive it with a fake (tests/helpers/fake-prompt.ts).
 * @inquirer/prompts is imported lazily, on the first question, so commands that never ask stay
 * cheap to start. Prompts are drawn on stderr: stdout stays free for --json output.
 */

interface Question {
  /** A stable id for the question ("domain", "users[0].name"); fakes answer by it. */
  name: string;
  message: string;
}

export interface InputQuestion extends Question {
  /** Used when the answer is empty (the user just presses Enter). */
  default?: string;
  /** Return an error message, or true when the value is fine; the prompt asks again on a message. */
  validate?: (value: string) => string | true;
}

export interface ConfirmQuestion extends Question {
  default: boolean;
}

export interface SelectChoice<T extends string> {
  value: T;
  name: string;
  description?: string;
}

export interface SelectQuestion<T extends string> extends Question {
  choices: readonly SelectChoice<T>[];
  default: T;
}

export interface Prompt {
  input(q: InputQuestion): Promise<string>;
  confirm(q: ConfirmQuestion): Promise<boolean>;
  select<T extends string>(q: SelectQuestion<T>): Promise<T>;
}

type Inquirer = typeof import('@inquirer/prompts');

/**
 * The real prompt, backed by @inquirer/prompts. Ctrl-C makes inquirer throw ExitPromptError,
 * which src/index.ts turns into exit code 130.
 */
export function inquirerPrompt(
  streams: { input?: NodeJS.ReadableStream; output?: NodeJS.WritableStream } = {},
): Prompt {
  let loaded: Promise<Inquirer> | undefined;
  const load = () => {
    loaded ??= import('@inquirer/prompts');
    return loaded;
  };
  const context = () => ({
    input: streams.input ?? process.stdin,
    // stderr keeps stdout for data; if stderr is redirected (`init 2>log`), ask on stdout.
    output:
      streams.output ?? (process.stderr.isTTY || !process.stdout.isTTY ? process.stderr : process.stdout),
  });
  return {
    async input(q) {
      const { input } = await load();
      return input(
        {
          message: q.message,
          ...(q.default !== undefined && q.default !== '' ? { default: q.default } : {}),
          ...(q.validate ? { validate: q.validate } : {}),
        },
        context(),
      );
    },
    async confirm(q) {
      const { confirm } = await load();
      return confirm({ message: q.message, default: q.default }, context());
    },
    async select(q) {
      const { select } = await load();
      return select(
        {
          message: q.message,
          choices: q.choices.map((c) => ({
            value: c.value,
            name: c.name,
            ...(c.description ? { description: c.description } : {}),
          })),
          default: q.default,
        },
        context(),
      );
    },
  };
}
