import { evaluateCaa, parseCaa } from '../../src/dns/caa.js';
import { abbreviate, wrap } from '../../src/dns/text.js';

const set = (...lines: string[]) => lines.map((l) => parseCaa(l)!);

describe("evaluateCaa: would Let's Encrypt issue by HTTP-01 for a single name (RFC 8659)?", () => {
  it.each([
    [[], true],
    [['0 issue "letsencrypt.org"'], true],
    [['0 issue "LetsEncrypt.org"'], true],
    [['0 issue "digicert.com"', '0 issue "letsencrypt.org"'], true],
    [['0 iodef "mailto:sec@example.com"'], true],
    // issuewild governs wildcard names only; the server's certificates are for single names.
    [['0 issuewild ";"'], true],
    [['0 issuewild "letsencrypt.org"', '0 issue "digicert.com"'], false],
    [['0 issue ";"'], false],
    [['0 issue "letsencrypt.org; validationmethods=http-01,dns-01"'], true],
    [['0 issue "letsencrypt.org; validationmethods=dns-01"'], false],
    [['0 issue "letsencrypt.org; accounturi=https://acme-v02.api.letsencrypt.org/acme/acct/1"'], false],
    [['0 issue "letsencrypt.org; validationmethods=dns-01"', '0 issue "letsencrypt.org"'], true],
    // An unknown property flagged critical forbids issuance; a non-critical one is ignored.
    [['128 tbs "x"', '0 issue "letsencrypt.org"'], false],
    [['0 tbs "x"', '0 issue "letsencrypt.org"'], true],
  ])('%j -> allowed %s', (lines, allowed) => {
    expect(evaluateCaa(set(...lines), 'example.com').allowed).toBe(allowed);
  });

  it('says why and what to change', () => {
    const v = evaluateCaa(set('0 issue "letsencrypt.org; validationmethods=dns-01"'), 'example.com');
    expect(v).toEqual({
      allowed: false,
      reason:
        '"letsencrypt.org; validationmethods=dns-01" allows letsencrypt.org only by dns-01, but the server gets its certificates by HTTP-01 on port 80',
      fix: 'at example.com, replace it with CAA 0 issue "letsencrypt.org" (or add "http-01" to validationmethods and drop accounturi)',
    });
    expect(evaluateCaa(set('0 issue "digicert.com"'), 'x.org')).toMatchObject({
      reason: 'it allows only digicert.com',
      fix: 'add at x.org: CAA 0 issue "letsencrypt.org"',
    });
  });
});

describe('text fitting', () => {
  it('wraps with a hanging indent and breaks words longer than a line', () => {
    expect(wrap('aaa bbb ccc', 7, 2)).toEqual(['aaa bbb', '  ccc']);
    expect(wrap('x'.repeat(12), 5)).toEqual(['xxxxx', 'xxxxx', 'xx']);
    expect(wrap('', 10)).toEqual(['']);
  });
  it('abbreviates in the middle', () => {
    expect(abbreviate('2001:db8:1234:5678:9abc:def0:1234:5678', 15)).toBe('2001:db…34:5678');
    expect(abbreviate('short', 15)).toBe('short');
  });
});
