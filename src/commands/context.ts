import type { Output } from '../ui/output.js';

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
