import { paint } from '../ui/colour.js';
import type { Alert } from './detect.js';
import { untrusted } from './sanitize.js';
import type { WatchItem } from './store.js';

/**
 * The live table: one row per device and per address of every account, newest activity last,
 * unapproved rows (state NEW) highlighted. Every cell is sanitised and cut to its column.
 */
const COLUMNS = [
  { title: 'USER', width: 28 },
  { title: 'DEVICE', width: 22 },
  { title: 'ADDRESS', width: 18 },
  { title: 'USER AGENT', width: 28 },
  { title: 'FIRST SEEN', width: 19 },
  { title: 'LAST SEEN', width: 19 },
  { title: 'STATE', width: 8 },
] as const;

function cell(text: string, width: number): string {
  const clean = untrusted(text, width);
  return clean.padEnd(width);
}

function when(iso: string | undefined): string {
  return iso ? iso.replace('T', ' ').slice(0, 19) : '';
}

export interface TableRow {
  user: string;
  device: string;
  address: string;
  user_agent: string;
  first_seen: string;
  last_seen: string;
  state: string;
  source: 'state' | 'log';
}

/** Rows as data (sanitised): the table's content and the --json `rows`. */
export function tableRows(
  items: readonly WatchItem[],
  removed: Readonly<Record<string, string>>,
): TableRow[] {
  return items.map((i) => ({
    user: untrusted(i.user),
    device: i.kind === 'device' ? untrusted(i.display_name ? `${i.id} (${i.display_name})` : i.id) : '',
    address: untrusted(i.kind === 'address' ? i.id : (i.address ?? '')),
    user_agent: untrusted(i.user_agent ?? '', 300),
    first_seen: i.first_seen,
    last_seen: i.last_seen ?? i.first_seen,
    state: i.status === 'new' ? 'NEW' : i.user in removed ? 'removed' : i.status,
    source: i.source,
  }));
}

export function renderTable(rows: readonly TableRow[], colour: boolean): string[] {
  const header = COLUMNS.map((c) => c.title.padEnd(c.width))
    .join(' ')
    .trimEnd();
  const lines = [paint('bold', header, colour)];
  for (const r of rows) {
    const cells = [r.user, r.device, r.address, r.user_agent, when(r.first_seen), when(r.last_seen), r.state];
    const line = cells
      .map((v, i) => cell(v, COLUMNS[i]!.width))
      .join(' ')
      .trimEnd();
    lines.push(r.state === 'NEW' ? paint(['bold', 'red'], line, colour) : line);
  }
  if (rows.length === 0) lines.push('(no devices or addresses seen yet)');
  return lines;
}

export function renderAlert(a: Alert, colour: boolean): string {
  return `${paint(['bold', 'red'], `ALERT ${a.kind}`, colour)} ${when(a.at)} ${a.text} [${a.source}]`;
}
