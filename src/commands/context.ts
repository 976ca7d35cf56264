import type { Clock } from '../adapters/clock.js';
import type { Capture } from '../adapters/process.js';
import type { Interrupt } from '../adapters/signals.js';
import type { Output } from '../ui/output.js';
import type { Terminal } from '../ui/terminal.js';

/**
 * What every command gets: where to write, and the global flags. Its own module, so commands
 * and the layers below them never import src/cli.ts (which imports every command).
 */
export interface CommandContext {
  out: Output;
  globals(): GlobalOptions;
}

export interface GlobalOptions {
  /** The case folder (default: current directory). */
  case: string;
  json: boolean;
  yes: boolean;
}

/**
 * What a command that runs ansible-playbook takes besides its own options: the global flags,
 * where to write, and the I/O adapters, each replaceable by a test.
 */
export interface PlaybookRunIo {
  globals: GlobalOptions;
  out: Output;
  terminal?: Terminal;
  capture?: Capture;
  env?: NodeJS.ProcessEnv;
  interrupt?: Interrupt;
  clock?: Clock;
}
