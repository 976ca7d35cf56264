import { execFileSync } from 'node:child_process';
import { shellQuote } from '../../src/ui/shell.js';

// The one shell quoting of the project (src/ui/shell.ts): what it quotes, a real POSIX shell and
// Python's shlex.split (how Ansible splits ANSIBLE_SSH_ARGS) read back word for word.
const WORDS = [
  'plain-word_1.2/x:y@z%+=,',
  'two words',
  "it's",
  `both ' and " quotes`,
  '$HOME `id` $(id) \\ ; | & * ? ~ !',
  'line\nbreak',
  "''",
  'é€😀',
];

describe('shellQuote', () => {
  it('leaves plain words alone and quotes the rest', () => {
    expect(shellQuote('plain-word_1.2/x:y@z%+=,')).toBe('plain-word_1.2/x:y@z%+=,');
    expect(shellQuote('two words')).toBe("'two words'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
  });

  it('a POSIX shell reads back every word exactly', () => {
    const line = `printf '%s\\0' ${WORDS.map(shellQuote).join(' ')}`;
    const got = execFileSync('sh', ['-c', line], { encoding: 'utf8' }).split('\0').slice(0, -1);
    expect(got).toEqual(WORDS);
  });

  it("Python's shlex.split reads back every word exactly", () => {
    const script = 'import json,shlex,sys; print(json.dumps(shlex.split(sys.stdin.read())))';
    const out = execFileSync('python3', ['-c', script], {
      input: WORDS.map(shellQuote).join(' '),
      encoding: 'utf8',
    });
    expect(JSON.parse(out)).toEqual(WORDS);
  });
});
