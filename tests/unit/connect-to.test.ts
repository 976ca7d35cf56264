import { parseConnectTo } from '../../src/verify/https.js';

describe('parseConnectTo', () => {
  it('parses curl-style HOST:PORT:ADDR:PORT', () => {
    expect(parseConnectTo('Matrix.Example.com:443:127.0.0.1:8443')).toEqual({
      host: 'matrix.example.com',
      port: 443,
      toHost: '127.0.0.1',
      toPort: 8443,
    });
  });
  it('accepts a bracketed IPv6 address', () => {
    expect(parseConnectTo('example.com:8448:[::1]:9000')).toEqual({
      host: 'example.com',
      port: 8448,
      toHost: '::1',
      toPort: 9000,
    });
  });
  it.each([
    'example.com:443:127.0.0.1',
    'example.com:0:127.0.0.1:1',
    'example.com:443:[nope]:1',
    'a:b:c:d',
    '',
  ])('rejects %j', (spec) => {
    expect(parseConnectTo(spec)).toBeUndefined();
  });
});
