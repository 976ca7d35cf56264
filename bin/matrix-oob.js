#!/usr/bin/env node
// Thin launcher: all logic lives in dist/ (built from src/ by `npm run build`).
import { run } from '../dist/index.js';

run(process.argv.slice(2));
