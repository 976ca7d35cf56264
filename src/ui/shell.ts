/**
 * One word quoted for a POSIX shell when it needs it: commands shown to the user (Next:,
 * --dry-run, logs) and the remote command ssh hands to the server's shell.
 */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
