#!/usr/bin/env node
// Bench dispatcher: `npm run bench -- <name>` builds, then runs bench/<name>.js.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.js') && f !== 'run.js')
  .map((f) => f.slice(0, -3));
const [name, ...rest] = process.argv.slice(2);
if (!name || !existsSync(join(here, `${name}.js`))) {
  process.stderr.write(
    `${name ? `no bench named "${name}"; ` : ''}usage: npm run bench -- <name>  (available: ${available.join(', ')})\n`,
  );
  process.exit(2);
}
const result = spawnSync(process.execPath, [join(here, `${name}.js`), ...rest], { stdio: 'inherit' });
process.exit(result.status ?? 1);
