import type { ConfirmQuestion, InputQuestion, Prompt, SelectQuestion } from '../../src/adapters/prompt.js';

/** Press Enter: take the question's default. */
export const ENTER = Symbol('enter');

/** A scripted answer: a value, Enter, or several inputs typed in turn (all but the last rejected). */
export type Answer = string | boolean | typeof ENTER | { attempts: (string | typeof ENTER)[] };

export interface Asked {
  kind: 'input' | 'confirm' | 'select';
  name: string;
  message: string;
  default: unknown;
  /** For select: the offered choices. */
  choices?: readonly { value: string; name: string; description?: string }[];
}

export interface FakePrompt extends Prompt {
  asked: Asked[];
  /** Inline validation messages shown, per question name. */
  rejected: Record<string, string[]>;
  /** Throws unless every scripted answer was used. */
  done(): void;
}

/**
 * A prompt that answers from a script, in order, by question name. It FAILS LOUDLY: a question
 * the script does not expect next, an answer of the wrong kind, an answer the question's own
 * validation rejects in the end, or an unused answer.
 */
export function fakePrompt(script: readonly (readonly [name: string, answer: Answer])[]): FakePrompt {
  const queue = [...script];
  const asked: Asked[] = [];
  const rejected: Record<string, string[]> = {};
  const next = (a: Asked): Answer => {
    asked.push(a);
    const entry = queue.shift();
    if (!entry) {
      throw new Error(
        `fake prompt: unexpected question "${a.name}" (${a.kind}: ${a.message}); the script is used up`,
      );
    }
    if (entry[0] !== a.name) {
      throw new Error(
        `fake prompt: unexpected question "${a.name}" (${a.kind}: ${a.message}); the script expected "${entry[0]}"`,
      );
    }
    return entry[1];
  };
  return {
    asked,
    rejected,
    done() {
      if (queue.length > 0) {
        throw new Error(
          `fake prompt: ${queue.length} answers never asked for: ${queue.map(([n]) => n).join(', ')}`,
        );
      }
    },
    async input(q: InputQuestion): Promise<string> {
      const answer = next({ kind: 'input', name: q.name, message: q.message, default: q.default });
      if (typeof answer === 'boolean')
        throw new Error(`fake prompt: "${q.name}" is a text question, got ${answer}`);
      const attempts = typeof answer === 'object' ? answer.attempts : [answer];
      for (const attempt of attempts) {
        // Like @inquirer/input: an empty line takes the default; validation runs on the result.
        const typed = typeof attempt === 'symbol' ? '' : attempt;
        const value = typed || q.default || '';
        const verdict = q.validate ? q.validate(value) : true;
        if (verdict === true) return value;
        rejected[q.name] = [...(rejected[q.name] ?? []), verdict];
      }
      throw new Error(
        `fake prompt: every answer to "${q.name}" was rejected: ${(rejected[q.name] ?? []).join(' | ')}`,
      );
    },
    async confirm(q: ConfirmQuestion) {
      const answer = next({ kind: 'confirm', name: q.name, message: q.message, default: q.default });
      if (answer === ENTER) return q.default;
      if (typeof answer !== 'boolean') {
        throw new Error(`fake prompt: "${q.name}" is a yes/no question, got ${String(answer)}`);
      }
      return answer;
    },
    async select<T extends string>(q: SelectQuestion<T>): Promise<T> {
      const answer = next({
        kind: 'select',
        name: q.name,
        message: q.message,
        default: q.default,
        choices: q.choices,
      });
      if (answer === ENTER) return q.default;
      const choice = q.choices.find((c) => c.value === answer);
      if (!choice) {
        throw new Error(
          `fake prompt: "${String(answer)}" is not a choice of "${q.name}" (${q.choices.map((c) => c.value).join(', ')})`,
        );
      }
      return choice.value;
    },
  };
}
