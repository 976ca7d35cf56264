import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ChainWriter } from '../../src/case/chain.js';
import { journal } from '../../src/case/journal.js';
import { recordPaths, roomFiles } from '../../src/record/paths.js';
import { makeCase } from '../helpers/case.js';
import { openInChromium } from '../helpers/chromium.js';
import { runCli } from '../helpers/cli.js';

const ROOM = '!room:tr.test';
const HOSTILE = [
  '<script>document.body.setAttribute("data-pwned","script")</script>',
  "<img src=x onerror=\"document.body.setAttribute('data-pwned','img')\">",
  '</td></tr></table><a href="javascript:alert(1)">click</a>',
  'invoice\u202Egnp.exe and \u2066isolate\u2069',
];

/** A recorded room as the recorder writes it (the recorder's own end-to-end test covers recording). */
async function writeRecord(caseDir: string): Promise<void> {
  const paths = recordPaths(caseDir);
  const files = roomFiles(paths, ROOM);
  const ev = await ChainWriter.open(files.events);
  const dec = await ChainWriter.open(files.decrypted);
  let ts = Date.UTC(2026, 10, 29, 12, 0, 0);
  const add = (
    id: string,
    type: string,
    content: Record<string, unknown>,
    extra: Record<string, unknown> = {},
  ) =>
    ev.add({
      received_at: new Date(ts).toISOString(),
      source: 'sync',
      room_id: ROOM,
      event: { event_id: id, type, sender: '@analyst1:tr.test', content, origin_server_ts: ts++, ...extra },
    });
  /** An m.room.encrypted event and the message it decrypts to. */
  const decrypted = (id: string, encrypted: Record<string, unknown>, content: Record<string, unknown>) => {
    add(id, 'm.room.encrypted', encrypted);
    dec.add({ kind: 'decrypted', event_id: id, type: 'm.room.message', content });
  };
  add('$name', 'm.room.name', { name: '<b>control</b>' }, { state_key: '' });
  HOSTILE.forEach((body, i) => {
    decrypted(
      `$h${i}`,
      { algorithm: 'm.megolm.v1.aes-sha2', ciphertext: 'AAA' },
      { msgtype: 'm.text', body },
    );
  });
  decrypted('$orig', { ciphertext: 'B' }, { msgtype: 'm.text', body: 'the first version' });
  decrypted(
    '$edit',
    { ciphertext: 'C' },
    {
      msgtype: 'm.text',
      body: '* the second version',
      'm.new_content': { msgtype: 'm.text', body: 'the second version' },
      'm.relates_to': { rel_type: 'm.replace', event_id: '$orig' },
    },
  );
  add('$reply', 'm.room.message', {
    msgtype: 'm.text',
    body: 'a reply',
    'm.relates_to': { 'm.in_reply_to': { event_id: '$orig' } },
  });
  decrypted('$gone', { ciphertext: 'D' }, { msgtype: 'm.text', body: 'said then retracted' });
  add('$red', 'm.room.redaction', { reason: 'oops' }, { redacts: '$gone' });
  add('$utd', 'm.room.encrypted', { ciphertext: 'E' });
  dec.add({
    kind: 'undecryptable',
    event_id: '$utd',
    code: 'MEGOLM_UNKNOWN_INBOUND_SESSION_ID',
    reason: 'sent before the recorder joined',
  });
  decrypted('$file', { ciphertext: 'F' }, { msgtype: 'm.file', body: 'ioc<script>.txt' });
  dec.add({
    kind: 'media',
    event_id: '$file',
    mxc: 'mxc://tr.test/x',
    encrypted: true,
    sha256: 'ab'.repeat(32),
    size: 42,
  });
  await ev.flush();
  await dec.flush();
  await journal(join(caseDir, 'journal.jsonl'), {
    command: 'record',
    result: 'ok',
    stage: 'checkpoint',
    heads: {
      [`record/rooms/${files.events.split('/rooms/')[1]}`]: ev.head,
      [`record/rooms/${files.decrypted.split('/rooms/')[1]}`]: dec.head,
    },
  });
}

describe('matrix-oob transcript', () => {
  let kase: { dir: string; cleanup(): Promise<void> };
  beforeAll(async () => {
    kase = await makeCase({ domain: 'tr.test', server: { address: '203.0.113.10' } });
    await writeRecord(kase.dir);
  });
  afterAll(() => kase.cleanup());

  it('writes one self-contained HTML file; in Chromium hostile bodies stay inert text', async () => {
    const r = await runCli(['--case', kase.dir, 'transcript']);
    expect(r.stderr).toContain('transcript: 1 rooms');
    expect(r.exitCode).toBe(0);
    const file = join(kase.dir, 'record', 'transcript.html');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const html = readFileSync(file, 'utf8');
    // Self-contained: no script element, no external reference; a CSP that forbids scripts.
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
    expect(html).toContain("script-src 'none'");

    const png = join(kase.dir, 'shot.png');
    const dom = await openInChromium(file, png);
    expect(statSync(png).size).toBeGreaterThan(5000);
    // Had a body run, it would have marked <body>: the text is there, the attribute is not.
    expect(dom).toMatch(/<body>/);
    expect(dom).not.toMatch(/<body[^>]*data-pwned/);
    expect(dom).not.toMatch(/<script/i);
    expect(dom).not.toMatch(/<img/i);
    expect(dom).not.toMatch(/<a [^>]*href="javascript:/);
    expect(dom).toContain('&lt;script&gt;document.body.setAttribute("data-pwned","script")&lt;/script&gt;');
    // Bidi controls are shown, not obeyed.
    expect(dom).toContain('invoice[U+202E]gnp.exe and [U+2066]isolate[U+2069]');
    expect(dom).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
    // The first page: the chains and their verification.
    expect(dom.indexOf('every hash chain of the case is intact')).toBeLessThan(
      dom.indexOf('the first version'),
    );
    expect(dom).toContain('edited at 2026-11-29T12:00:');
    expect(dom).toContain('to: <bdi class="b">the second version</bdi>');
    expect(dom).toContain('in reply to <code>$orig</code>');
    expect(dom).toMatch(
      /class="red"><td class="t">[^<]+<\/td><td class="s">@analyst1:tr\.test<\/td><td><bdi class="b">said then retracted<\/bdi>/,
    );
    expect(dom).toContain(
      '[undecryptable: MEGOLM_UNKNOWN_INBOUND_SESSION_ID: sent before the recorder joined]',
    );
    expect(dom).toContain(`<a href="media/${'ab'.repeat(32)}">`);
    expect(dom).toContain('&lt;b&gt;control&lt;/b&gt;');
  }, 120_000);

  it('-o outside the case: the file is 0600, the folder it goes into keeps its permissions', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'matrix-oob-handover-'));
    try {
      chmodSync(outside, 0o755);
      const file = join(outside, 'report.html');
      const r = await runCli(['--case', kase.dir, 'transcript', '-o', file]);
      expect(r.exitCode).toBe(0);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(statSync(outside).mode & 0o777).toBe(0o755);
      const html = readFileSync(file, 'utf8');
      expect(html).toContain('<!DOCTYPE html>');
      // Attachments stay in the case: linked from where the file was written, not as media/.
      const href = /<a href="([^"]+)">media\//.exec(html)?.[1] ?? '';
      expect(resolve(outside, decodeURIComponent(href))).toBe(
        join(kase.dir, 'record', 'media', 'ab'.repeat(32)),
      );
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('-o into a folder, or into a folder that does not exist: exit 2 naming it, nothing written', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'matrix-oob-handover-'));
    try {
      const folder = await runCli(['--case', kase.dir, 'transcript', '-o', outside]);
      expect(folder.stderr).toContain(`error: --output ${outside} is a folder`);
      expect(folder.stderr).toContain(`hint: give a file name, e.g. -o ${join(outside, 'transcript.html')}`);
      expect(folder.exitCode).toBe(2);
      const missing = join(outside, 'no', 'such', 'report.html');
      const none = await runCli(['--case', kase.dir, 'transcript', '-o', missing]);
      expect(none.stderr).toContain(
        `error: --output ${missing}: the folder ${join(outside, 'no', 'such')} does not exist`,
      );
      expect(none.exitCode).toBe(2);
      expect(readdirSync(outside)).toEqual([]);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('--format jsonl: the verification first, then one event per line', async () => {
    const r = await runCli(['--case', kase.dir, 'transcript', '--format', 'jsonl', '--output', '-']);
    expect(r.exitCode).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ kind: 'verification', ok: true });
    expect(lines.find((l) => l.event_id === '$gone')).toMatchObject({
      body: 'said then retracted',
      redacted_by: { event_id: '$red' },
    });
    expect(lines.find((l) => l.event_id === '$orig')?.edited_by).toEqual([
      expect.objectContaining({ event_id: '$edit', body: 'the second version' }),
    ]);
  });

  it('shows a broken chain on the first page, and refuses a bad --format (exit 2)', async () => {
    const bad = await runCli(['--case', kase.dir, 'transcript', '--format', 'pdf']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('--format "pdf" is not html or jsonl');
    const events = roomFiles(recordPaths(kase.dir), ROOM).events;
    const { writeFileSync } = await import('node:fs');
    const text = readFileSync(events, 'utf8');
    writeFileSync(events, text.replace('"ciphertext":"B"', '"ciphertext":"X"'));
    const r = await runCli(['--case', kase.dir, 'transcript', '--output', '-']);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain('a hash chain of the case is broken');
    expect(r.stdout).toContain('BROKEN: line');
  });
});
