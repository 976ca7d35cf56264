import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One scratch folder per test run, shared by the workers (the real MDAD is unpacked there once). */
export default function globalSetup() {
  if (!process.env.MATRIX_OOB_TEST_RUN_DIR)
    process.env.MATRIX_OOB_TEST_RUN_DIR = mkdtempSync(join(tmpdir(), 'matrix-oob-run-'));
}
