import { loadCase } from '../../config/load.js';
import { addressWarnings } from '../../config/validators.js';
import { recordsText, recordsToCreate, zoneFileLines } from '../../dns/zone-file.js';
import { nextCommand } from '../../ui/next.js';
import type { Output } from '../../ui/output.js';
import type { GlobalOptions } from '../context.js';

export interface DnsRecordsRequest {
  globals: GlobalOptions;
  out: Output;
}

/**
 * `matrix-oob dns records`: the records the case needs, offline (no query is sent). The table
 * goes to stderr, the zone-file lines to stdout (`> records.zone`); with --json, stdout holds
 * `{ ok, domain, records: [...], zone_file: [...] }`.
 */
export async function runDnsRecords({ globals, out }: DnsRecordsRequest): Promise<void> {
  const loaded = await loadCase(globals.case);
  for (const w of [...loaded.warnings, ...addressWarnings(loaded.config)]) out.warn(w);
  const records = recordsToCreate(loaded.config);
  const zone = zoneFileLines(records);
  if (globals.json) {
    out.data(JSON.stringify({ ok: true, domain: loaded.config.domain, records, zone_file: zone }, null, 2));
    return;
  }
  const text = recordsText(records, loaded.config.domain);
  const split = text.indexOf('');
  for (const line of text.slice(0, split)) out.info(line);
  out.info('\nAs zone-file lines (on stdout):');
  for (const line of zone) out.data(line);
  out.info(
    `\nNext: once they are published, "${nextCommand('dns check', loaded.paths.root)}" checks them (docs/dns.md).`,
  );
}
