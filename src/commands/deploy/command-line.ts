import { resolve } from 'node:path';
import { shellQuote } from '../../ui/shell.js';
import type { DeployRequest } from './run.js';

/** This run as a command line: for the journal, and to resume it from any folder. */

export function commandName(req: DeployRequest): string {
  const parts = ['deploy'];
  if (req.opts.stage) parts.push(`--stage ${req.opts.stage}`);
  if (req.opts.full) parts.push('--full');
  if (req.opts.fromStart) parts.push('--from-start');
  if (req.opts.dryRun) parts.push('--dry-run');
  if (req.opts.skipDnsCheck) parts.push('--skip-dns-check');
  if (req.ansibleArgs.length) parts.push('--', ...req.ansibleArgs);
  return parts.join(' ');
}

export /** How to resume this case's deploy, ready to paste (the case path quoted for the shell). */
function resumeCommand(req: DeployRequest): string {
  // The case folder spelled out: the command works from any folder.
  return `matrix-oob --case ${shellQuote(resolve(req.globals.case))} deploy`;
}
