import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { capture } from '../../src/adapters/process.js';
import { stream as realStream, type Stream } from '../../src/adapters/stream.js';
import { InterruptedError } from '../../src/errors.js';
import { fetchPlaybook } from '../../src/playbook/fetch.js';
import { memoryOutput } from '../../src/ui/output.js';

// Ctrl-C during the clone: the child is told to stop, the half clone is removed, and the
// command ends as interrupted (exit 130), not as a git failure.
describe('playbook fetch interrupted', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'matrix-oob-fetch-int-'));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('removes a fresh half clone and throws InterruptedError', async () => {
    const dir = join(tmp, 'playbook');
    const abort = new AbortController();
    const calls: string[][] = [];
    const stream: Stream = async (file, args, options) => {
      calls.push([file, ...args]);
      // git has started writing the fetched commit when the user presses Ctrl-C.
      mkdirSync(join(dir, '.git'), { recursive: true });
      writeFileSync(join(dir, '.git', 'HEAD'), 'ref: refs/heads/master\n');
      abort.abort();
      expect(options?.signal?.aborted).toBe(true);
      return { exitCode: 130, tail: [], notFound: false };
    };
    await expect(
      fetchPlaybook(
        { dir, repo: 'file:///nowhere', ref: 'c0681e4bc2d55df19056f3d3a7b997f9e7335890' },
        { capture, stream, out: memoryOutput(), tty: false, signal: abort.signal },
      ),
    ).rejects.toBeInstanceOf(InterruptedError);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.slice(0, 2)).toEqual(['git', 'fetch']);
    expect(calls[0]).toContain('--depth=1');
    expect(existsSync(dir)).toBe(false);
  });

  it('the stream adapter stops a running child on abort and keeps its output lines', async () => {
    const abort = new AbortController();
    const lines: string[] = [];
    const started = Date.now();
    const running = realStream('sh', ['-c', 'echo one; echo two >&2; sleep 30'], {
      signal: abort.signal,
      onLine: (l) => {
        lines.push(l);
        if (lines.length === 2) abort.abort();
      },
    });
    const r = await running;
    expect(r.exitCode).toBe(143);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(lines.sort()).toEqual(['one', 'two']);
    expect(r.tail.sort()).toEqual(['one', 'two']);
  });
});
