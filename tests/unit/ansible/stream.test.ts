import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addSecret, caseRedactor } from '../../../src/ansible/case.js';
import { LineSplitter, LogFile, MAX_LINE, stripAnsi, Tail } from '../../../src/ansible/stream.js';
import { Redactor } from '../../../src/secrets/redact.js';
import { formatStatus, StatusLine } from '../../../src/ui/status-line.js';
import { memoryTerminal } from '../../../src/ui/terminal.js';

describe('LineSplitter', () => {
  it('splits across chunk boundaries, including inside a UTF-8 character', () => {
    const lines: string[] = [];
    const s = new LineSplitter((l) => lines.push(l));
    const bytes = Buffer.from('héllo\r\nwörld\nlast', 'utf8');
    for (let i = 0; i < bytes.length; i++) s.push(bytes.subarray(i, i + 1));
    s.end();
    expect(lines).toEqual(['héllo', 'wörld', 'last']);
  });
  it('never holds more than MAX_LINE characters of an endless line', () => {
    const lines: string[] = [];
    const s = new LineSplitter((l) => lines.push(l));
    s.push(Buffer.alloc(MAX_LINE * 2 + 10, 'x'));
    expect(lines.map((l) => l.length)).toEqual([MAX_LINE, MAX_LINE]);
    s.end();
    expect(lines[2]).toHaveLength(10);
  });
});

describe('Tail', () => {
  it('keeps the last lines only', () => {
    const t = new Tail(3);
    for (let i = 0; i < 10; i++) t.push(String(i));
    expect(t.all).toEqual(['7', '8', '9']);
  });
});

describe('LogFile', () => {
  it('writes a redacted, colourless copy with mode 0600', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'matrix-oob-log-'));
    try {
      const log = await LogFile.open(join(dir, 'logs', 'x.log'), new Redactor(['s3cret-pass']));
      log.write('\u001b[0;31mfatal: password s3cret-pass\u001b[0m');
      await log.close();
      const path = join(dir, 'logs', 'x.log');
      expect(readFileSync(path, 'utf8')).toBe('fatal: password [REDACTED]\n');
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(statSync(join(dir, 'logs')).mode & 0o777).toBe(0o700);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('strips ANSI escapes', () => {
    expect(stripAnsi('\u001b[1;32mok\u001b[0m: [h]')).toBe('ok: [h]');
  });
});

describe('redaction of secrets as Ansible prints them', () => {
  it('covers non-ASCII escaped as \\uXXXX', () => {
    const r = new Redactor();
    addSecret(r, 'pä$$ wörd');
    expect(r.redact('"password": "p\\u00e4$$ w\\u00f6rd"')).toBe('"password": "[REDACTED]"');
  });
  it("loads the case's vars.yml secrets and handed-out passwords", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'matrix-oob-red-'));
    try {
      const { writeFileSync, mkdirSync } = await import('node:fs');
      writeFileSync(
        join(dir, 'vars.yml'),
        "matrix_homeserver_generic_secret_key: 'abcdefgh1234'\nmatrix_domain: example.test\n",
      );
      mkdirSync(join(dir, 'credentials'));
      writeFileSync(join(dir, 'credentials', 'a.txt'), 'user_id: @a:x\npassword: hunter2hunter2\n');
      const r = await caseRedactor({ vars: join(dir, 'vars.yml'), credentialsDir: join(dir, 'credentials') });
      expect(r.redact('k=abcdefgh1234 p=hunter2hunter2 d=example.test')).toBe(
        'k=[REDACTED] p=[REDACTED] d=example.test',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('status line', () => {
  it('shows stage, tasks done, elapsed time and the task, cut to the width', () => {
    expect(formatStatus({ stage: 'setup', task: 'Install', tasksDone: 3, elapsedMs: 62_000 }, 80)).toBe(
      '[setup] 3 tasks · 1m02s · Install',
    );
    expect(
      formatStatus({ stage: 'setup', task: 'x'.repeat(200), tasksDone: 3, elapsedMs: 0 }, 40),
    ).toHaveLength(39);
  });
  it('is drawn only on a TTY and output lines replace it', () => {
    const tty = memoryTerminal({ isTTY: true });
    const s = new StatusLine(tty, () => ({ stage: 'start', task: 'T', tasksDone: 0, elapsedMs: 0 }));
    s.start();
    s.line('hello');
    s.stop();
    expect(tty.text()).toBe('\r\u001b[K[start] 0 tasks · 0s · T\r\u001b[Khello\n');
    const pipe = memoryTerminal({ isTTY: false });
    const p = new StatusLine(pipe, () => ({ stage: 'start', task: 'T', tasksDone: 0, elapsedMs: 0 }));
    p.start();
    p.line('hello');
    p.stop();
    expect(pipe.text()).toBe('hello\n');
  });
});
