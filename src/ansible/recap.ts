/** Per-host counts from Ansible's PLAY RECAP. */
export interface HostRecap {
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
  skipped: number;
  rescued: number;
  ignored: number;
}

export type Recap = Record<string, HostRecap>;

const KEYS: readonly (keyof HostRecap)[] = [
  'ok',
  'changed',
  'unreachable',
  'failed',
  'skipped',
  'rescued',
  'ignored',
];

// "matrix.example.com         : ok=7    changed=4    unreachable=0    failed=0 ..."
const RECAP_LINE = /^(\S+)\s+:\s+((?:\w+=\d+\s*)+)$/;

/** Parse one recap line (ANSI codes already stripped); undefined if it is not one. */
export function parseRecapLine(line: string): [string, HostRecap] | undefined {
  const m = RECAP_LINE.exec(line.trim());
  if (!m) return undefined;
  const counts: HostRecap = {
    ok: 0,
    changed: 0,
    unreachable: 0,
    failed: 0,
    skipped: 0,
    rescued: 0,
    ignored: 0,
  };
  let seen = 0;
  for (const pair of m[2]!.trim().split(/\s+/)) {
    const [key, value] = pair.split('=');
    if ((KEYS as readonly string[]).includes(key!)) {
      counts[key as keyof HostRecap] = Number(value);
      seen++;
    }
  }
  return seen >= 2 ? [m[1]!, counts] : undefined;
}

/** Fed line by line; collects the hosts listed after "PLAY RECAP". */
export class RecapParser {
  private inRecap = false;
  readonly recap: Recap = {};

  feed(line: string): void {
    if (line.startsWith('PLAY RECAP')) {
      this.inRecap = true;
      return;
    }
    if (!this.inRecap) return;
    const parsed = parseRecapLine(line);
    if (parsed) this.recap[parsed[0]] = parsed[1];
    else if (line.trim() !== '') this.inRecap = false;
  }

  get found(): boolean {
    return Object.keys(this.recap).length > 0;
  }
}

/** "matrix.example.com ok=7 changed=4 failed=0 unreachable=0" for humans. */
export function formatRecap(recap: Recap): string[] {
  return Object.entries(recap).map(
    ([host, c]) =>
      `${host}: ok=${c.ok} changed=${c.changed} failed=${c.failed} unreachable=${c.unreachable} skipped=${c.skipped}`,
  );
}
