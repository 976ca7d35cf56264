import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../src/adapters/files.js';
import { UserError } from '../../src/errors.js';

// An atomic write goes through a temporary file beside the target: when it fails, the error
// names the file the user knows, never the temporary one, and no temporary file is left.
describe('writeFileAtomic errors', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'matrix-oob-file-errors-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('a folder where the file belongs: named, with the fix', async () => {
    const target = join(dir, 'state.json');
    mkdirSync(join(target, 'inside'), { recursive: true });
    const err = await writeFileAtomic(target, '{}').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toBe(
      `cannot write ${target}: it is a folder, where a file belongs (EISDIR)`,
    );
    expect((err as UserError).hint).toBe(
      `move ${target} aside (it is not what matrix-oob wrote there), then run the command again.`,
    );
    expect(readdirSync(dir)).toEqual(['state.json']);
  });
});
