import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../../src/adapters/clock.js';
import { runStreamedChild } from '../../../src/adapters/streamed-child.js';
import { CUT_LOOKAHEAD, LineSplitter, LogFile, MAX_LINE } from '../../../src/ansible/stream.js';
import { Redactor } from '../../../src/secrets/redact.js';

// A line longer than MAX_LINE (one JSON result of a big --diff) is passed on in pieces, each
// redacted alone: a cut inside a secret would leave both halves unredacted.
const SECRET = 'Zq8vN2kLw5TgR7yHc3XbM9pDf4JsA6eU';

describe('a long line is never cut inside a secret', () => {
  it('LineSplitter with a Redactor cuts before a secret that would straddle the cut', () => {
    const redactor = new Redactor([SECRET]);
    const pieces: string[] = [];
    const s = new LineSplitter(
      (l) => pieces.push(l),
      (t, at) => redactor.safeCut(t, at),
    );
    const before = MAX_LINE - CUT_LOOKAHEAD - 10;
    // No line break yet: the line is still arriving, and too long to hold whole.
    s.push(Buffer.from(`${'x'.repeat(before)}${SECRET}${'y'.repeat(MAX_LINE)}`));
    s.end();
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces[0]).toBe('x'.repeat(before));
    expect(pieces.every((p) => p.length <= MAX_LINE)).toBe(true);
    expect(pieces.map((p) => redactor.redact(p)).join('')).not.toContain(SECRET.slice(0, 8));
    expect(pieces.join('')).toBe(`${'x'.repeat(before)}${SECRET}${'y'.repeat(MAX_LINE)}`);
  });

  it("a child's long line reaches the screen and the log redacted, wherever the secret falls", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'matrix-oob-longline-'));
    try {
      for (const offset of [MAX_LINE - 10, MAX_LINE - CUT_LOOKAHEAD - 10]) {
        const redactor = new Redactor([SECRET]);
        const logPath = join(dir, `${offset}.log`);
        const log = await LogFile.open(logPath, redactor);
        const shown: string[] = [];
        const script = `process.stdout.write('x'.repeat(${offset}) + ${JSON.stringify(SECRET)} + 'y'.repeat(${MAX_LINE}) + '\\n')`;
        const exit = await runStreamedChild({
          file: process.execPath,
          args: ['-e', script],
          cwd: dir,
          env: process.env,
          onLine: (line) => shown.push(redactor.redact(line)),
          log,
          killGraceMs: 1000,
          clock: systemClock,
        });
        await log.close();
        expect(exit.exitCode).toBe(0);
        const logged = readFileSync(logPath, 'utf8');
        // Booleans: a failure must not print 64 KiB of text.
        for (const text of [logged, shown.join('\n')]) {
          expect({ offset, redacted: text.includes('[REDACTED]') }).toEqual({ offset, redacted: true });
          expect({
            offset,
            head: text.includes(SECRET.slice(0, 8)),
            tail: text.includes(SECRET.slice(-8)),
          }).toEqual({ offset, head: false, tail: false });
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
