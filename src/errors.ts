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
  /** `up`: deployed, but the checks from outside (verify) or the control room failed. */
  NOT_VERIFIED: 4,
  /** `record verify`: a hash chain of the case record is broken. */
  TAMPERED: 5,
  INTERRUPTED: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * What a failure can say besides its message. `next` is the exact command that continues (the
 * case path and the original flags); `data` is merged into the --json failure document
 * (`{"ok": false, "error", "hint", "next", ...data}`, docs/exit-codes.md).
 */
export interface FailureInfo {
  hint?: string | undefined;
  details?: readonly string[];
  next?: string | undefined;
  data?: Record<string, unknown>;
}

/** A mistake the user can fix: printed as one line plus a hint, never with a stack. */
export class UserError extends Error {
  readonly hint: string | undefined;
  readonly exitCode: ExitCodeValue;
  /** Extra lines printed under the message (e.g. every config problem). */
  readonly details: readonly string[];
  readonly next: string | undefined;
  readonly data: Record<string, unknown> | undefined;

  constructor(message: string, options: FailureInfo & { exitCode?: ExitCodeValue } = {}) {
    super(message);
    this.name = 'UserError';
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? ExitCode.USAGE;
    this.details = options.details ?? [];
    this.next = options.next;
    this.data = options.data;
  }
}

/** Something outside the user's input failed (a child process, the network): exit 1. */
export class FailureError extends UserError {
  constructor(message: string, options: FailureInfo = {}) {
    super(message, { ...options, exitCode: ExitCode.FAILURE });
    this.name = 'FailureError';
  }
}

/** Ctrl-C / SIGTERM: exit 130, nothing printed but a short note. */
export class InterruptedError extends Error {
  /** The command that resumes, when there is one. */
  readonly next: string | undefined;
  constructor(message = 'interrupted', next?: string) {
    super(message);
    this.name = 'InterruptedError';
    this.next = next;
  }
}

/**
 * A command that finished, printed its own result on stderr, and wants a specific non-zero exit
 * code without an error line. `info.error` (with hint, next, data) is what --json reports.
 */
export class ExitError extends Error {
  readonly exitCode: ExitCodeValue;
  readonly info: FailureInfo & { error?: string };
  constructor(exitCode: ExitCodeValue, info: FailureInfo & { error?: string } = {}) {
    super(info.error ?? `exit ${exitCode}`);
    this.name = 'ExitError';
    this.exitCode = exitCode;
    this.info = info;
  }
}
