import { shellQuote } from './shell.js';

/**
 * "Next:" commands, ready to paste: the command, then the case folder, then its flags, e.g.
 * `matrix-oob up --case /cases/ir-1 --skip-dns-check`. The case path is always spelled out, so
 * the command works from any folder (docs/exit-codes.md, "next").
 */
export function nextCommand(command: string, caseDir: string | undefined, ...flags: string[]): string {
  const parts = ['matrix-oob', command];
  if (caseDir !== undefined) parts.push('--case', shellQuote(caseDir));
  return [...parts, ...flags.map(shellQuote)].join(' ');
}
