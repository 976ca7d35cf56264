import { fileError } from './adapters/files.js';
import { ExitCode, ExitError, InterruptedError, UserError } from './errors.js';
import { type Output, processOutput } from './ui/output.js';

/**
 * The one place that turns errors into exit codes. `main` never calls process.exit,
 * so tests can call it; `run` is what bin/matrix-oob.js uses.
 */
export async function main(argv: readonly string[], out: Output = processOutput()): Promise<number> {
  try {
    const { buildProgram } = await import('./cli.js');
    await buildProgram(out).parseAsync([...argv], { from: 'user' });
    return ExitCode.OK;
  } catch (err) {
    return reportError(err, out);
  }
}

export function reportError(err: unknown, out: Output): number {
  if (err instanceof ExitError) return err.exitCode;
  if (err instanceof InterruptedError || isPromptAbort(err)) {
    // A command that cleaned up says so in its InterruptedError; a prompt abort wrote nothing yet.
    out.error(err instanceof InterruptedError ? err.message : 'interrupted before anything was written.');
    return ExitCode.INTERRUPTED;
  }
  if (err instanceof UserError) {
    out.error(err.message);
    for (const line of err.details) out.info(`  ${line}`);
    if (err.hint) out.info(`hint: ${err.hint}`);
    return err.exitCode;
  }
  if (isCommanderExit(err)) return err.exitCode;
  // A file-system error on a path that no command turned into a UserError: still one line.
  const path = (err as NodeJS.ErrnoException | undefined)?.path;
  if (path !== undefined) {
    const typed = fileError(err, path, 'use');
    if (typed instanceof UserError) return reportError(typed, out);
  }
  const stack = err instanceof Error ? (err.stack ?? err.message) : String(err);
  out.error(
    `unexpected internal error; this is a bug in matrix-oob, please report it with this output:\n${stack}`,
  );
  return ExitCode.FAILURE;
}

/** @inquirer/prompts throws ExitPromptError on Ctrl-C. */
function isPromptAbort(err: unknown): boolean {
  return err instanceof Error && (err.name === 'ExitPromptError' || err.name === 'AbortPromptError');
}

function isCommanderExit(err: unknown): err is { exitCode: number } {
  return (
    typeof err === 'object' &&
    err !== null &&
    'code' in err &&
    typeof (err as { code: unknown }).code === 'string' &&
    (err as { code: string }).code.startsWith('commander.') &&
    'exitCode' in err
  );
}

export async function run(argv: readonly string[]): Promise<void> {
  const code = await main(argv);
  process.exitCode = code;
}
