/**
 * Typed errors. Only the entry point (src/index.ts) turns them into exit codes and output.
 * See docs/exit-codes.md.
 */
export const ExitCode = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  /** `dns check`: the check ran and DNS is not ready yet. */
  NOT_READY: 3,
  /** `record verify`: a hash chain of the case record is broken. */
  TAMPERED: 4,
  INTERRUPTED: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** A mistake the user can fix: printed as one line plus a hint, never with a stack. */
export class UserError extends Error {
  readonly hint: string | undefined;
  readonly exitCode: ExitCodeValue;
  /** Extra lines printed under the message (e.g. every config problem). */
  readonly details: readonly string[];

  constructor(
    message: string,
    options: { hint?: string; exitCode?: ExitCodeValue; details?: readonly string[] } = {},
  ) {
    super(message);
    this.name = 'UserError';
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? ExitCode.USAGE;
    this.details = options.details ?? [];
  }
}

/** Something outside the user's input failed (a child process, the network): exit 1. */
export class FailureError extends UserError {
  constructor(message: string, options: { hint?: string; details?: readonly string[] } = {}) {
    super(message, { ...options, exitCode: ExitCode.FAILURE });
    this.name = 'FailureError';
  }
}

/** Ctrl-C / SIGTERM: exit 130, nothing printed but a short note. */
export class InterruptedError extends Error {
  constructor(message = 'interrupted') {
    super(message);
    this.name = 'InterruptedError';
  }
}

/** A command that finished and wants a specific non-zero exit code without an error message. */
export class ExitError extends Error {
  readonly exitCode: ExitCodeValue;
  constructor(exitCode: ExitCodeValue) {
    super(`exit ${exitCode}`);
    this.name = 'ExitError';
    this.exitCode = exitCode;
  }
}
