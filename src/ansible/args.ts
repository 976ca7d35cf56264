/**
 * ansible-playbook's own reading of pass-through arguments, for the checks that look at them
 * (secrets on the command line, the host-key pin, --limit, rehearsals). Ansible parses with
 * Python's argparse, which also takes an abbreviated long option (`--extra x=1` is
 * `--extra-vars x=1`) and a cluster of short ones (`-ve x=1` is `-v -e x=1`, `-vex=1` too): a
 * check that matched only the spellings in the help would let those through. The arguments
 * handed to Ansible stay as the operator wrote them; only what the checks read is normalised.
 */

/** ansible-playbook's options (ansible-core 2.14): every name, and whether it takes a value. */
const OPTIONS: readonly (readonly [names: readonly string[], value: boolean])[] = [
  [['-h', '--help'], false],
  [['--version'], false],
  [['-v', '--verbose'], false],
  [['--private-key', '--key-file'], true],
  [['-u', '--user'], true],
  [['-c', '--connection'], true],
  [['-T', '--timeout'], true],
  [['--ssh-common-args'], true],
  [['--sftp-extra-args'], true],
  [['--scp-extra-args'], true],
  [['--ssh-extra-args'], true],
  [['-k', '--ask-pass'], false],
  [['--connection-password-file', '--conn-pass-file'], true],
  [['--force-handlers'], false],
  [['--flush-cache'], false],
  [['-b', '--become'], false],
  [['--become-method'], true],
  [['--become-user'], true],
  [['-K', '--ask-become-pass'], false],
  [['--become-password-file', '--become-pass-file'], true],
  [['-t', '--tags'], true],
  [['--skip-tags'], true],
  [['-C', '--check'], false],
  [['-D', '--diff'], false],
  [['-i', '--inventory', '--inventory-file'], true],
  [['--list-hosts'], false],
  [['-l', '--limit'], true],
  [['-e', '--extra-vars'], true],
  [['--vault-id'], true],
  // -J: newer ansible-core's short form (refused like the long one).
  [['-J', '--ask-vault-password', '--ask-vault-pass'], false],
  [['--vault-password-file', '--vault-pass-file'], true],
  [['-f', '--forks'], true],
  [['-M', '--module-path'], true],
  [['--syntax-check'], false],
  [['--list-tasks'], false],
  [['--list-tags'], false],
  [['--step'], false],
  [['--start-at-task'], true],
];

interface Option {
  /** The first long name: what a check compares with (`--extra-vars` for `-e`, `--extra`). */
  name: string;
  value: boolean;
}

const BY_NAME = new Map<string, Option>();
for (const [names, value] of OPTIONS) {
  const option = { name: names.find((n) => n.startsWith('--'))!, value };
  for (const n of names) BY_NAME.set(n, option);
}

/** One option as Ansible reads it; a token that is no option has `name` undefined. */
export interface ParsedArg {
  /** The option's canonical long name (`--extra-vars`), undefined for a plain value. */
  name: string | undefined;
  /** Its value (or the plain token). */
  value?: string | undefined;
  /** The token as written (the first one, for an option with a separate value). */
  raw: string;
}

/** The options one token stands for, each with its value when the token holds it. */
function tokenOptions(token: string): { option: Option; value: string | undefined }[] | undefined {
  if (!token.startsWith('-') || token === '-' || token === '--') return undefined;
  const exact = BY_NAME.get(token);
  if (exact) return [{ option: exact, value: undefined }];
  const eq = token.indexOf('=');
  const head = eq < 0 ? token : token.slice(0, eq);
  const tail = eq < 0 ? undefined : token.slice(eq + 1);
  if (eq >= 0 && BY_NAME.has(head)) return [{ option: BY_NAME.get(head)!, value: tail }];
  if (token.startsWith('--')) {
    // argparse takes any prefix that names one option (several spellings of one count once).
    const matches = new Set([...BY_NAME].filter(([n]) => n.startsWith(head)).map(([, o]) => o));
    return matches.size === 1 ? [{ option: [...matches][0]!, value: tail }] : undefined;
  }
  // -XYZ: -X; when -X takes no value, the rest is read as -YZ, else the rest is its value.
  const out: { option: Option; value: string | undefined }[] = [];
  let rest = token.slice(1);
  while (rest !== '') {
    const option = BY_NAME.get(`-${rest[0]}`);
    if (!option) return out.length > 0 ? out : undefined;
    rest = rest.slice(1);
    if (option.value) {
      out.push({ option, value: rest === '' ? undefined : rest });
      break;
    }
    out.push({ option, value: undefined });
  }
  return out;
}

/** Pass-through arguments as ansible-playbook reads them (options by canonical long name). */
export function parseAnsibleArgs(args: readonly string[]): ParsedArg[] {
  const out: ParsedArg[] = [];
  for (let i = 0; i < args.length; i++) {
    const raw = args[i]!;
    if (raw === '--') {
      for (const rest of args.slice(i + 1)) out.push({ name: undefined, value: rest, raw: rest });
      break;
    }
    const options = tokenOptions(raw);
    if (!options) {
      out.push({ name: undefined, value: raw, raw });
      continue;
    }
    for (const { option, value } of options) {
      let v = value;
      // A value-taking option without its value in the token takes the next one (unless that is an option).
      if (option.value && v === undefined && i + 1 < args.length && !tokenOptions(args[i + 1]!))
        v = args[++i];
      out.push({ name: option.name, value: v, raw });
    }
  }
  return out;
}

/** The values given to the option named `name` (canonical long name, e.g. `--extra-vars`). */
export function optionValues(args: readonly string[], name: string): string[] {
  return parseAnsibleArgs(args)
    .filter((a) => a.name === name && a.value !== undefined)
    .map((a) => a.value!);
}

/** Whether the option named `name` (canonical long name) is given, in any spelling. */
export function hasOption(args: readonly string[], name: string): boolean {
  return parseAnsibleArgs(args).some((a) => a.name === name);
}

/** Values of `-e`/`--extra-vars` in pass-through arguments (any spelling Ansible accepts). */
export function extraVarsValues(args: readonly string[]): string[] {
  return optionValues(args, '--extra-vars');
}
