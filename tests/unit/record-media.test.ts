import { decryptAttachment, downloadUrl } from '../../src/record/media.js';
import { escapeText, renderHtml } from '../../src/transcript/html.js';
import { encryptAttachment } from '../helpers/participant.js';

describe('encrypted attachments', () => {
  it('decrypts what a client encrypted (AES-CTR-256), after checking the SHA-256', () => {
    const plain = Buffer.from('evidence\n'.repeat(1000));
    const { data, file } = encryptAttachment(plain);
    expect(decryptAttachment(data, file as never)).toEqual(plain);
  });

  it('refuses ciphertext whose SHA-256 differs from the event (a server swapping the file)', () => {
    const { data, file } = encryptAttachment(Buffer.from('the real file'));
    data[0] = (data[0] as number) ^ 1;
    expect(() => decryptAttachment(data, file as never)).toThrow(
      /SHA-256 of the downloaded ciphertext does not match/,
    );
  });

  it('downloads through the authenticated media route, and refuses what is not an mxc URI', () => {
    expect(downloadUrl('https://matrix.example.com/', 'mxc://example.com/AbC_1-2')).toBe(
      'https://matrix.example.com/_matrix/client/v1/media/download/example.com/AbC_1-2',
    );
    expect(() => downloadUrl('https://m', 'https://evil.example/x')).toThrow(/not an mxc:\/\/ URI/);
    expect(() => downloadUrl('https://m', 'mxc://example.com/../../admin')).toThrow(/not an mxc:\/\/ URI/);
  });
});

describe('transcript escaping', () => {
  it('escapes HTML and shows bidi and invisible controls', () => {
    expect(escapeText('<a href="x">\'&\u202E\u200B\u0007')).toBe(
      '&lt;a href=&quot;x&quot;&gt;&#39;&amp;[U+202E][U+200B][U+0007]',
    );
    expect(escapeText('line\nbreak\ttab')).toBe('line\nbreak\ttab');
  });

  it('an edited record file cannot put markup into the transcript through an attachment line', () => {
    // record/rooms/*/decrypted.jsonl edited: a "sha256" that closes the link and hides the verdict.
    const hostile = 'x"><style>#verification{display:none}</style><a href="';
    const html = renderHtml(
      [
        {
          room_id: '!r:example.com',
          items: [
            {
              event_id: '$1',
              time: '2026-01-01T00:00:00Z',
              ts: 0,
              sender: '@a:example.com',
              type: 'm.room.message',
              attachment: { name: 'f.txt', sha256: hostile, size: 1 },
            },
          ],
        },
      ],
      { ok: false, files: [] },
      { domain: 'example.com', generated: '2026-01-01T00:00:00Z' },
    );
    expect(html).not.toContain('<style>#verification');
    expect(html).toContain('media/x&quot;&gt;&lt;style&gt;#verification{display:none}&lt;/style&gt;');
    expect(html.match(/<style>/g)).toHaveLength(1);
  });
});
