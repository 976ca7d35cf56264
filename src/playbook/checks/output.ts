/**
 * Read the failures out of the checks run (default callback, results as one-line JSON, ok and
 * skipped results hidden): `TASK [role : name]` lines name the check, `fatal:`/`failed:` lines
 * carry its message.
 */
export interface CheckFailure {
  /** The inventory host the check failed for. */
  host: string;
  /** "custom/matrix-base : Fail if required variables are undefined" */
  task: string;
  /** MDAD's message, as it wrote it (may span lines). */
  message: string;
  /** The variable(s) to fix, read from the message. */
  variables: string[];
}

const TASK = /^TASK \[(.+?)\] \**\s*$/;
const FAILED = /^(?:fatal|failed): \[([^\]]+)\](?: \(item=.*?\))?: (?:FAILED! )?=> (\{.*\})\s*$/;
const FAILED_ITEM = /^failed: \[([^\]]+)\] \(item=.*?\) => (\{.*\})\s*$/;

export function parseChecksOutput(
  stdout: string,
  stderr: string,
  known: ReadonlySet<string> = new Set(),
): { failures: CheckFailure[]; error?: string } {
  const failures: CheckFailure[] = [];
  let task = '';
  for (const line of stdout.split('\n')) {
    const t = TASK.exec(line);
    if (t) {
      task = t[1]!;
      continue;
    }
    const f = FAILED.exec(line) ?? FAILED_ITEM.exec(line);
    if (!f) continue;
    let result: { msg?: unknown; results?: { msg?: unknown; failed?: boolean }[] };
    try {
      result = JSON.parse(f[2]!);
    } catch {
      continue;
    }
    // A loop reports each failed item on its own line, then a summary without msg: keep the items.
    const message = typeof result.msg === 'string' ? result.msg.trim() : undefined;
    if (!message || message === 'One or more items failed') continue;
    const host = f[1]!;
    if (failures.some((x) => x.host === host && x.task === task && x.message === message)) continue;
    failures.push({ host, task, message, variables: variablesIn(message, known) });
  }
  const errorLine = `${stderr}\n${stdout}`
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.startsWith('ERROR!'));
  return { failures, ...(errorLine ? { error: errorLine } : {}) };
}

const IDENT = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$/;

/**
 * The variable a message asks to fix: names the inventory sets (the usual culprit), then
 * `name: value` lines (MDAD's "add this to your vars.yml"), then `backticked` names, then any
 * snake_case name.
 */
export function variablesIn(message: string, known: ReadonlySet<string> = new Set()): string[] {
  const found: string[] = [];
  const add = (v: string | undefined) => {
    if (v && IDENT.test(v) && !found.includes(v)) found.push(v);
  };
  for (const m of message.matchAll(/\b([a-z][a-z0-9]*(?:_[a-z0-9]+)+)\b/g)) if (known.has(m[1]!)) add(m[1]);
  if (found.length > 0) return found;
  for (const m of message.matchAll(/^\s*([a-z][a-z0-9_]*):\s/gm)) add(m[1]);
  if (found.length > 0) return found;
  for (const m of message.matchAll(/`([a-z][a-z0-9_]*)`/g)) add(m[1]);
  if (found.length > 0) return found;
  for (const m of message.matchAll(/\b([a-z][a-z0-9]*(?:_[a-z0-9]+)+)\b/g)) add(m[1]);
  return found.slice(0, 3);
}
