import { rmSync } from 'node:fs';

export default function globalTeardown() {
  const dir = process.env.MATRIX_OOB_TEST_RUN_DIR;
  if (dir?.includes('matrix-oob-run-')) rmSync(dir, { recursive: true, force: true });
}
