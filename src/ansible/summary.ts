import { UserError } from '../errors.js';
import { isSecretKey } from '../secrets/keys.js';

import { shellQuote } from '../ui/shell.js';
import { formatElapsed } from '../ui/status-line.js';
import { extraVarsValues, parseAnsibleArgs } from './args.js';
import { formatRecap } from './recap.js';
import type { PlaybookCommand, PlaybookResult } from './run.js';

/** One line that reproduces the run in a shell: cd, environment, command. */
export function commandLine(cmd: PlaybookCommand): string {
  const env = Object.entries(cmd.envOverrides).map(([k, v]) => `${k}=${shellQuote(v)}`);
  return `cd ${shellQuote(cmd.cwd)} && ${[...env, cmd.file, ...cmd.args.map(shellQuote)].join(' ')}`;
}

/** The short version for the journal: the command without cwd and environment. */
export function commandText(cmd: PlaybookCommand): string {
  return [cmd.file, ...cmd.args].map(shellQuote).join(' ');
}

/** Lines under "stage X failed": the task, its message, the recap, the log. */
export function failureDetails(result: PlaybookResult, maxMessageLines = 12): string[] {
  const lines: string[] = [];
  const f = result.failure;
  if (f?.task) lines.push(`task: ${f.task}${f.host ? ` (on ${f.host})` : ''}`);
  else if (f?.host) lines.push(`host: ${f.host}`);
  if (f) {
    const msg = f.message.split('\n');
    lines.push(`message: ${msg[0] ?? ''}`);
    for (const l of msg.slice(1, maxMessageLines)) lines.push(`  ${l}`);
    if (msg.length > maxMessageLines)
      lines.push(`  … (${msg.length - maxMessageLines} more lines in the log)`);
  } else {
    lines.push(`ansible-playbook exited with code ${result.exitCode}${exitMeaning(result.exitCode)}`);
  }
  for (const r of formatRecap(result.recap)) lines.push(`recap: ${r}`);
  lines.push(`log: ${result.logFile}`);
  return lines;
}

export function exitMeaning(code: number): string {
  const meanings: Record<number, string> = {
    1: ' (error)',
    2: ' (a host failed)',
    3: ' (a host was unreachable)',
    4: ' (playbook parse error)',
    5: ' (bad options)',
    99: ' (interrupted)',
    127: ' (ansible-playbook not found)',
    250: ' (unexpected Ansible error)',
  };
  return meanings[code] ?? '';
}

export function successLine(stage: string, result: PlaybookResult): string {
  const recap = formatRecap(result.recap);
  return `stage ${stage} finished in ${formatElapsed(result.durationMs)}${recap.length ? `: ${recap.join('; ')}` : ''}`;
}

/**
 * Refuse pass-through arguments that would break the stage, hang waiting for a prompt, or put
 * a secret on the command line (where every user of the machine sees it in the process list,
 * and the log header and the journal would record it).
 */
export function checkExtraArgs(args: readonly string[]): void {
  for (const value of extraVarsValues(args).filter((v) => !v.trim().startsWith('@'))) {
    const names = [...value.matchAll(/["']?([A-Za-z_][\w]*)["']?\s*[=:]/g)].map((m) => m[1]!);
    const secret = names.find((n) => isSecretKey(n));
    if (secret) {
      throw new UserError(
        `"-e ${secret}=..." cannot be passed through: a secret on the command line is visible to every user of this machine and would be written to the logs and the journal`,
        {
          hint: `put ${secret} in the case's vars.yml (inventory/host_vars/<host>/vars.yml, mode 0600), or in a 0600 file passed as -e @FILE.`,
        },
      );
    }
  }
  for (const { name, raw } of parseAnsibleArgs(args)) {
    if (name === '--inventory' || name === '--tags') {
      throw new UserError(`"${raw}" cannot be passed through: matrix-oob sets the inventory and the tags`, {
        hint: 'use --stage to choose what runs, and --case for the case folder; --limit, -v and --check pass through.',
      });
    }
    if (name === '--ask-pass' || name === '--ask-become-pass' || name === '--ask-vault-password') {
      throw new UserError(
        `"${raw}" cannot be passed through: Ansible runs without a terminal, so it cannot prompt`,
        {
          hint: 'load the SSH key into ssh-agent, use passwordless sudo or ansible_become_password in vars.yml, and --vault-password-file for vault.',
        },
      );
    }
  }
}

/** Extra args that make a run a rehearsal: it must not count as a finished stage. */
export function isRehearsal(args: readonly string[]): boolean {
  return parseAnsibleArgs(args).some(
    (a) =>
      a.name !== undefined &&
      ['--check', '--syntax-check', '--list-tasks', '--list-hosts', '--list-tags'].includes(a.name),
  );
}

/** The journal fields of one ansible-playbook run (the caller adds command, stage, result). */
export function runJournalFields(result: PlaybookResult): Record<string, unknown> {
  return {
    ansible: commandText(result.command),
    exit_code: result.exitCode,
    duration_ms: result.durationMs,
    recap: result.recap,
    log: result.logFile,
    ...(result.failure ? { failed_task: result.failure.task, message: result.failure.message } : {}),
    ...(result.hint ? { hint: result.hint.id } : {}),
  };
}
