import { type Command, Option } from 'commander';
import { UserError } from '../errors.js';
import type { Output } from '../ui/output.js';
import type { CommandContext, GlobalOptions } from './context.js';

/**
 * The flags several commands share, their help and defaults written once, and the parts of a
 * command's definition every command repeats (the lazy-loading action, the exit-code note).
 */

/** Each use of a repeatable flag adds one value. */
export const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** A repeatable flag: every use adds one value (default: none). */
export function repeatable(flags: string, description: string): Option {
  return new Option(flags, description).argParser(collect).default([]);
}

/** --homeserver-url: where to reach the homeserver, also from the command's environment variable. */
export function homeserverUrlOption(envVar: string): Option {
  return new Option('--homeserver-url <url>', 'homeserver base URL (default https://matrix.<domain>)').env(
    envVar,
  );
}

/**
 * Where --homeserver-url's value came from, for errors that blame it: the environment variable
 * when the user never typed the flag (so the hint says to unset it).
 */
export function noteHomeserverUrlSource(
  opts: { homeserverUrlFrom?: string },
  cmd: Command,
  envVar: string,
): void {
  if (cmd.getOptionValueSource('homeserverUrl') === 'env')
    opts.homeserverUrlFrom = `${envVar} (from the environment)`;
}

/** --server-url DOMAIN=URL: a fallback server's homeserver URL (docs/fallback.md), repeatable. */
export function serverUrlOption(): Option {
  return repeatable(
    '--server-url <domain=url>',
    "a fallback server's homeserver URL (default https://matrix.<domain>); repeatable",
  );
}

/** --admin: the account to log in as. */
export function adminOption(
  description = 'admin user to log in as (default: the first user with admin: true)',
): Option {
  return new Option('--admin <name>', description);
}

/** --password-file: the admin's password, from its credentials file unless given. */
export function adminPasswordFileOption(): Option {
  return new Option(
    '--password-file <file>',
    "read the admin's password from this file (default credentials/<admin>.txt)",
  );
}

/** The deadline of one request to a homeserver (--timeout). */
export const REQUEST_TIMEOUT = { flag: '--timeout', min: 0.1, max: 600, default: '15' } as const;

/** --timeout: the deadline of one request to `to`, in seconds. */
export function requestTimeoutOption(
  to = 'the homeserver',
  seconds: string = REQUEST_TIMEOUT.default,
): Option {
  return new Option(`${REQUEST_TIMEOUT.flag} <seconds>`, `deadline per request to ${to}`).default(seconds);
}

/** A flag's number of seconds, from min to max, in milliseconds; else a usage error naming the flag. */
export function secondsFlag(
  flag: string,
  value: string,
  range: { min: number; max: number; example: string | number },
): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < range.min || n > range.max) {
    throw new UserError(
      `${flag} ${JSON.stringify(value)} is not a number of seconds from ${range.min} to ${range.max}`,
      { hint: `give a number of seconds, e.g. ${flag} ${range.example}` },
    );
  }
  return Math.round(n * 1000);
}

/** The request timeout in milliseconds (see REQUEST_TIMEOUT). */
export function requestTimeoutMs(value: string, example: string | number = REQUEST_TIMEOUT.default): number {
  return secondsFlag(REQUEST_TIMEOUT.flag, value, { ...REQUEST_TIMEOUT, example });
}

/** The note after a command's help: its exit codes and the page that documents it. */
export function exitCodesHelp(codes: string, doc: string, before = ''): string {
  return `\n${before}Exit codes: ${codes}. See docs/${doc}.\n`;
}

type Runner<O> = (req: { opts: O; globals: GlobalOptions; out: Output }) => Promise<void>;

/**
 * A command's action: loads the module that does the work only when the command runs (commands
 * stay cheap to register), then hands it the options, the global flags and the output.
 */
export function lazyAction<O>(
  ctx: CommandContext,
  load: () => Promise<Runner<O>>,
): (opts: O) => Promise<void> {
  return async (opts) => {
    const run = await load();
    await run({ opts, globals: ctx.globals(), out: ctx.out });
  };
}
