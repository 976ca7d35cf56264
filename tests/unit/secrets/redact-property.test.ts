import { execFileSync } from 'node:child_process';
import { REDACTED, Redactor } from '../../../src/secrets/redact.js';

// Redaction property test (issue #9, items 2, 3, 9, 12): a corpus of hostile passwords (quotes,
// backslashes, {{ }}, %, $, non-ASCII, 12 to 200 characters) goes through every quoting and
// escaping layer that Ansible, Python, JSON, YAML and the shell apply, computed by the real
// encoders (python3: json, repr, shlex.quote, PyYAML, urllib), alone and combined (e.g. MDAD's
// `{{ password | quote }}` inside a JSON result). After redaction nothing of the secret is left.

/** A small deterministic PRNG (mulberry32), so a failure reproduces. */
function rng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOSTILE_PIECES = [
  "'",
  '"',
  '\\',
  '{{',
  '}}',
  '{%',
  '%}',
  '%',
  '$',
  '$(id)',
  '`',
  'é',
  'ü',
  '€',
  '日本',
  '😀',
  ' ',
  '\t',
  '&',
  '<',
  '>',
  '#',
  ':',
  '!',
  '*',
  '?',
  '~',
  '=',
  ',',
  '/',
  '+',
  '\\n',
  "'\"'\"'",
  '\\\\',
];
const PLAIN = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function corpus(n: number): string[] {
  const r = rng(9);
  const out = [
    "it's",
    "Hunter2-{{-TopSecret'",
    `a'b"c\\d{{e}}%f$g`,
    "''''''''''''",
    '\\\\\\\\\\\\',
    'pässwörd-日本語-😀-x',
  ].map((s) => s.padEnd(12, 'x'));
  while (out.length < n) {
    const len = 12 + Math.floor(r() * 189);
    let s = '';
    while (s.length < len) {
      s +=
        r() < 0.45
          ? HOSTILE_PIECES[Math.floor(r() * HOSTILE_PIECES.length)]
          : PLAIN[Math.floor(r() * PLAIN.length)];
    }
    out.push(s.slice(0, len).replace(/[\uD800-\uDBFF]$/, 'x'));
  }
  return out;
}

const PYTHON = String.raw`
import json, sys, shlex, yaml, urllib.parse
out = []
for p in json.load(sys.stdin):
    forms = {
        'raw': p,
        'json': json.dumps(p),
        'json_unicode': json.dumps(p, ensure_ascii=False),
        'repr': repr(p),
        'shlex': shlex.quote(p),
        'json(shlex)': json.dumps(shlex.quote(p)),
        'json(shlex) unicode': json.dumps(shlex.quote(p), ensure_ascii=False),
        'json(json)': json.dumps(json.dumps(p)),
        'repr(json)': repr(json.dumps(p)),
        'repr(shlex)': repr(shlex.quote(p)),
        'json(repr)': json.dumps(repr(p)),
        'yaml': yaml.safe_dump(p, allow_unicode=True, width=10**9).rstrip('\n').removesuffix('\n...'),
        'yaml(shlex)': yaml.safe_dump(shlex.quote(p), allow_unicode=True, width=10**9).rstrip('\n').removesuffix('\n...'),
        'yaml in a mapping': yaml.safe_dump({'password': p}, allow_unicode=True, width=10**9).rstrip('\n'),
        'url': urllib.parse.quote(p, safe=''),
        'repr in a dict': repr({'password': p}),
        'json in a dict': json.dumps({'cmd': 'register ' + shlex.quote(p)}),
    }
    out.append(forms)
json.dump(out, sys.stdout)
`;

describe('Redactor: every form of a hostile secret', () => {
  const passwords = corpus(80);
  const forms = JSON.parse(
    execFileSync('python3', ['-c', PYTHON], {
      input: JSON.stringify(passwords),
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    }),
  ) as Record<string, string>[];

  it('the corpus is hostile: every kind of character, 12 to 200 characters', () => {
    const all = passwords.join('');
    for (const c of ["'", '"', '\\', '{{', '}}', '%', '$', 'é', '😀']) expect(all).toContain(c);
    expect(Math.min(...passwords.map((p) => p.length))).toBeGreaterThanOrEqual(12);
    expect(Math.max(...passwords.map((p) => p.length))).toBeLessThanOrEqual(200);
  });

  it('leaves nothing of the secret in any form, alone or in context', () => {
    const leaks: string[] = [];
    passwords.forEach((p, i) => {
      const redactor = new Redactor([p]);
      for (const [name, text] of Object.entries(forms[i]!)) {
        const line = `TASK [x] ok: ${text} (end)`;
        const out = redactor.redact(line);
        // What is left besides the marker: the context and at most the encoder's own quotes,
        // the mapping key or the command word.
        const rest = out
          .split(REDACTED)
          .join('')
          .replace(/^TASK \[x\] ok: /, '')
          .replace(/ \(end\)$/, '')
          .replace(/password: |\{'password': |\{"cmd": "register |register /g, '');
        if (!out.includes(REDACTED) || rest.replace(/['"}\\]/g, '').length > 0) {
          leaks.push(`${name} of ${JSON.stringify(p)}: ${JSON.stringify(out)}`);
        }
      }
    });
    expect(leaks.slice(0, 5)).toEqual([]);
  });

  it('masks with another marker (init --dry-run) and finds a secret without changing the text', () => {
    const r = new Redactor(["it's-a-secret"], '********');
    expect(r.redact("key: 'it''s-a-secret'")).toBe("key: '********'");
    expect(r.finds('"it\'s-a-secret"')).toBe(true);
    expect(r.finds('nothing here')).toBe(false);
  });

  it('ignores secrets shorter than 4 characters', () => {
    expect(new Redactor(['abc']).redact('abc abc')).toBe('abc abc');
  });
});
