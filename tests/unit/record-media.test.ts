import { decryptAttachment, downloadUrl } from '../../src/record/media.js';
import { escapeText } from '../../src/transcript/html.js';
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
});
