import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../helpers/cli.js';

// The yaml library's warnings quote whole source lines (issue #9, item 4): a vars.yml line with
// a password would reach the terminal. Every call that parses YAML in src/ must be silent.
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('YAML parsing is silent everywhere', () => {
  it("every parse/parseDocument/parseAllDocuments of the yaml library passes logLevel: 'silent'", () => {
    const loud: string[] = [];
    for (const file of sources(join(ROOT, 'src'))) {
      const text = readFileSync(file, 'utf8');
      const m = /import\s*\{([^}]*)\}\s*from\s*'yaml'/.exec(text);
      if (!m) continue;
      const names = m[1]!
        .split(',')
        .map((x) => x.trim())
        .filter((x) => /^(parse|parseDocument|parseAllDocuments)(\s+as\s+\w+)?$/.test(x))
        .map((x) => x.split(/\s+as\s+/).pop()!);
      for (const name of names) {
        for (const call of text.matchAll(new RegExp(`(?<![.\\w])${name}\\(`, 'g'))) {
          // The call's arguments, up to its closing parenthesis.
          let depth = 0;
          let end = call.index! + name.length;
          for (; end < text.length; end++) {
            if (text[end] === '(') depth++;
            else if (text[end] === ')' && --depth === 0) break;
          }
          const args = text.slice(call.index!, end + 1);
          if (!/logLevel:\s*'silent'/.test(args))
            loud.push(`${file.slice(ROOT.length + 1)}: ${args.slice(0, 80)}`);
        }
      }
    }
    expect(loud).toEqual([]);
  });
});
