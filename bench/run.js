#!/usr/bin/env node
// `npm run bench -- <name>`: runs bench/<name>.js (after `npm run build`, which the npm script does).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const name = process.argv[2];
const available = readdirSync(here)
  .filter((f) => f.endsWith('.js') && f !== 'run.js')
  .map((f) => f.slice(0, -3));
if (!name || !existsSync(join(here, `${name}.js`))) {
  process.stderr.write(`usage: npm run bench -- <name>   (one of: ${available.join(', ')})\n`);
  process.exit(2);
}
const r = spawnSync(process.execPath, [join(here, `${name}.js`), ...process.argv.slice(3)], {
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
