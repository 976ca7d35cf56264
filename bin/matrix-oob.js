#!/usr/bin/env node
// Thin launcher: all logic lives in dist/ (built from src/ by `npm run build`, and by npm itself
// on `npm ci`, `npm install -g .` and `npm pack`: the "prepare" script).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/index.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write(
    'error: matrix-oob is not built (dist/ is missing)\nhint: in the clone, run "npm ci" (it builds), then "npm install -g ." to get the matrix-oob command.\n',
  );
  process.exit(1);
}
const { run } = await import(entry.href);
run(process.argv.slice(2));
