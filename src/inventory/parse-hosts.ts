/**
 * A reader for Ansible's INI inventory (inventory/hosts), enough to check it: groups, their
 * hosts and each host's inline variables. Comments (# ;) and [group:vars] / [group:children]
 * sections are understood; ranges like host[1:3] are kept as written.
 */
export interface InventoryHost {
  name: string;
  vars: Record<string, string>;
  line: number;
}

export interface InventoryGroup {
  name: string;
  hosts: InventoryHost[];
  line: number;
}

export interface ParsedInventory {
  groups: InventoryGroup[];
  /** Hosts listed before any [section] (Ansible's "ungrouped"). */
  ungrouped: InventoryHost[];
  groupVars: Record<string, Record<string, string>>;
}

export function parseInventoryIni(text: string): ParsedInventory {
  const result: ParsedInventory = { groups: [], ungrouped: [], groupVars: {} };
  let section:
    | { kind: 'hosts'; group: InventoryGroup }
    | { kind: 'vars'; name: string }
    | { kind: 'other' }
    | undefined;
  text.split(/\r?\n/).forEach((rawLine, index) => {
    const line = stripComment(rawLine).trim();
    if (line === '') return;
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      const [name, kind] = header[1]!.trim().split(':');
      if (kind === 'vars') {
        section = { kind: 'vars', name: name! };
        result.groupVars[name!] ??= {};
      } else if (kind === undefined || kind === 'hosts') {
        let group = result.groups.find((g) => g.name === name);
        if (!group) {
          group = { name: name!, hosts: [], line: index + 1 };
          result.groups.push(group);
        }
        section = { kind: 'hosts', group };
      } else {
        section = { kind: 'other' };
      }
      return;
    }
    const tokens = tokenize(line);
    if (section?.kind === 'vars') {
      const [k, ...rest] = line.split('=');
      if (k && rest.length > 0) result.groupVars[section.name]![k.trim()] = unquote(rest.join('=').trim());
      return;
    }
    if (section?.kind === 'other') return;
    const [name, ...pairs] = tokens;
    if (!name) return;
    const vars: Record<string, string> = {};
    for (const p of pairs) {
      const eq = p.indexOf('=');
      if (eq > 0) vars[p.slice(0, eq)] = unquote(p.slice(eq + 1));
    }
    const host = { name, vars, line: index + 1 };
    if (section?.kind === 'hosts') section.group.hosts.push(host);
    else result.ungrouped.push(host);
  });
  return result;
}

function stripComment(line: string): string {
  const t = line.trimStart();
  if (t.startsWith('#') || t.startsWith(';')) return '';
  // Inline comments: " #" outside quotes.
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) return line.slice(0, i);
  }
  return line;
}

function tokenize(line: string): string[] {
  const tokens: string[] = [];
  let cur = '';
  let quote: string | undefined;
  for (const c of line) {
    if (quote) {
      cur += c;
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
      cur += c;
    } else if (/\s/.test(c)) {
      if (cur) tokens.push(cur);
      cur = '';
    } else cur += c;
  }
  if (cur) tokens.push(cur);
  return tokens;
}

function unquote(v: string): string {
  if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v[v.length - 1] === v[0]) return v.slice(1, -1);
  return v;
}
