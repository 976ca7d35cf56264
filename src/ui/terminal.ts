import { colourEnabled } from './colour.js';

/**
 * Where streamed child output goes: stderr (human text; stdout is kept for --json).
 * Writes to a pipe, file or TTY are synchronous in Node on Linux, so nothing piles up in memory.
 */
export interface Terminal {
  readonly isTTY: boolean;
  readonly colour: boolean;
  write(text: string): void;
  columns(): number;
}

export function processTerminal(stream: NodeJS.WriteStream = process.stderr): Terminal {
  return {
    isTTY: stream.isTTY === true,
    colour: colourEnabled(stream),
    write: (text) => {
      stream.write(text);
    },
    columns: () => stream.columns ?? 80,
  };
}

/** Collects what was written; for tests. */
export function memoryTerminal(options: { isTTY?: boolean; colour?: boolean } = {}): Terminal & {
  text(): string;
} {
  const chunks: string[] = [];
  return {
    isTTY: options.isTTY ?? false,
    colour: options.colour ?? false,
    write: (t) => {
      chunks.push(t);
    },
    columns: () => 80,
    text: () => chunks.join(''),
  };
}
