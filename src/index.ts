import { fileError } from './adapters/files.js';
import { ExitCode, ExitError, type FailureInfo, InterruptedError, UserError } from './errors.js';
import { type Output, processOutput } from './ui/output.js';

/**
 * The one place that turns errors into exit codes. `main` never calls process.exit,
 * so tests can call it; `run` is what bin/matrix-oob.js uses.
 */
export async function main(argv: readonly string[], out: Output = processOutput()): Promise<number> {
  const json = wantsJson(argv);
  let printed = false;
  const tracked: Output = {
    ...out,
    data: (text) => {
      printed = true;
      out.data(text);
    },
  };
  try {
    const { buildProgram } = await import('./cli.js');
    await buildProgram(tracked).parseAsync([...argv], { from: 'user' });
    return ExitCode.OK;
  } catch (err) {
    return reportError(err, tracked, { json, printed });
  }
}

/** --json among the global or command flags (not after `--`, which belongs to ansible-playbook). */
export function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json');
}

/**
 * Prints the error (stderr) and, with --json, the one failure document on stdout:
 * `{"ok": false, "error", "hint", "next", "exit_code", ...data}` (docs/exit-codes.md). A command
 * that already printed its own document (`printed`) gets no second one.
 */
export function reportError(
  err: unknown,
  out: Output,
  mode: { json?: boolean; printed?: boolean } = {},
): number {
  const { code, failure } = describe(err, out);
  if (code === ExitCode.OK) return code; // --help, --version
  if (mode.json && !mode.printed) out.data(JSON.stringify(failureDocument(code, failure), null, 2));
  return code;
}

export function failureDocument(code: number, f: FailureInfo & { error: string }): Record<string, unknown> {
  return {
    ...(f.data ?? {}),
    ok: false,
    error: f.error,
    hint: f.hint ?? null,
    next: f.next ?? null,
    exit_code: code,
    ...(f.details && f.details.length > 0 ? { details: f.details } : {}),
  };
}

function describe(err: unknown, out: Output): { code: number; failure: FailureInfo & { error: string } } {
  if (err instanceof ExitError) {
    // The command printed its result; the JSON document still says what failed.
    return { code: err.exitCode, failure: { ...err.info, error: err.info.error ?? err.message } };
  }
  if (err instanceof InterruptedError || isPromptAbort(err)) {
    // A command that cleaned up says so in its InterruptedError; a prompt abort wrote nothing yet.
    const message =
      err instanceof InterruptedError ? err.message : 'interrupted before anything was written.';
    out.error(message);
    const next = err instanceof InterruptedError ? err.next : undefined;
    return { code: ExitCode.INTERRUPTED, failure: { error: message, next } };
  }
  if (err instanceof UserError) {
    out.error(err.message);
    for (const line of err.details) out.info(`  ${line}`);
    if (err.hint) out.info(`hint: ${err.hint}`);
    if (err.next) out.info(`next: ${err.next}`);
    return {
      code: err.exitCode,
      failure: {
        error: err.message,
        hint: err.hint,
        next: err.next,
        details: err.details,
        ...(err.data ? { data: err.data } : {}),
      },
    };
  }
  if (isCommanderExit(err)) {
    // commander printed its message (and "(run with --help for usage)") on stderr already.
    const message = String((err as { message?: unknown }).message ?? 'bad usage').replace(/^error: /, '');
    return {
      code: err.exitCode,
      failure: {
        error: message,
        hint: 'run "matrix-oob --help" (or "matrix-oob COMMAND --help") for usage.',
      },
    };
  }
  // A file-system error on a path that no command turned into a UserError: still one line.
  const path = (err as NodeJS.ErrnoException | undefined)?.path;
  if (path !== undefined && !(err instanceof UserError)) {
    const typed = fileError(err, path, 'use');
    if (typed instanceof UserError) return describe(typed, out);
  }
  const stack = err instanceof Error ? (err.stack ?? err.message) : String(err);
  out.error(
    `unexpected internal error; this is a bug in matrix-oob, please report it with this output:\n${stack}`,
  );
  return {
    code: ExitCode.FAILURE,
    failure: {
      error: `unexpected internal error: ${err instanceof Error ? err.message : String(err)}`,
      hint: 'this is a bug in matrix-oob; please report it with the output on stderr.',
    },
  };
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
