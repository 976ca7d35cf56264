import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../helpers/cli.js';

// The case lock under contention (issue #9, item 7), with real processes: several matrix-oob
// processes find the same dead holder's lock at once; exactly one takes it over, the others are
// told who holds the case; nothing is left behind.
const LOCK = join(ROOT, 'dist', 'case', 'lock.js');
const SCRIPT = `
const { acquireCaseLock } = await import(process.argv[1]);
try {
  const release = await acquireCaseLock(process.argv[2], 'deploy');
  console.log('GOT');
  await new Promise((r) => setTimeout(r, 1500));
  await release();
} catch (err) {
  console.log('BUSY ' + err.message);
}
`;

describe('case lock under contention', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'matrix-oob-race-'));
    writeFileSync(join(dir, 'matrix-oob.yml'), 'domain: example.test\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("one of six racing processes takes over a dead holder's lock; the others name it", async () => {
    const dead = spawn('true');
    await new Promise((r) => dead.once('exit', r));
    writeFileSync(
      join(dir, '.lock'),
      JSON.stringify({
        pid: dead.pid,
        command: 'deploy',
        since: '2026-01-01T00:00:00.000Z',
        host: hostname(),
      }),
    );
    const run = promisify(execFile);
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        run('node', ['--input-type=module', '-e', SCRIPT, LOCK, dir]).then((r) => r.stdout.trim()),
      ),
    );
    expect(results.filter((r) => r === 'GOT')).toHaveLength(1);
    const busy = results.filter((r) => r !== 'GOT');
    expect(busy).toHaveLength(5);
    for (const b of busy)
      expect(b).toMatch(
        /^BUSY another matrix-oob, pid \d+, running `deploy` since \S+, is working on this case$/,
      );
    expect(existsSync(join(dir, '.lock'))).toBe(false);
    expect(readdirSync(dir).filter((n) => n.startsWith('.lock'))).toEqual([]);
    expect(readFileSync(join(dir, 'matrix-oob.yml'), 'utf8')).toContain('example.test');
  });
});
