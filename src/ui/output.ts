import { paint } from './colour.js';

/**
 * Where a command writes. Human-readable lines go to stderr; machine output (--json) to stdout.
 * Commands receive an Output so tests can capture it.
 */
export interface Output {
  /** Machine output (stdout). */
  data(text: string): void;
  /** Human progress and results (stderr). */
  info(text: string): void;
  warn(text: string): void;
  error(text: string): void;
}

export function processOutput(): Output {
  return {
    data: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    info: (text) => process.stderr.write(`${text}\n`),
    warn: (text) => process.stderr.write(`${paint('yellow', 'warning:')} ${text}\n`),
    error: (text) => process.stderr.write(`${paint('red', 'error:')} ${text}\n`),
  };
}

/** Collects everything; for tests. */
export function memoryOutput(): Output & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    data: (t) => stdout.push(t),
    info: (t) => stderr.push(t),
    warn: (t) => stderr.push(`warning: ${t}`),
    error: (t) => stderr.push(`error: ${t}`),
  };
}
