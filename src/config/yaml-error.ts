import type { YAMLError } from 'yaml';

/**
 * "line 3, column 5: <what>" for the first error of a parsed YAML document. Every command that
 * reads a YAML file (init, doctor, dns, ...) reports an error through this, so they all name the
 * same place. With the text, an unclosed quote is placed where it opens (the parser only notices
 * at the end of the file), which is also where Ansible's parser points.
 */
export function describeYamlError(
  error: YAMLError,
  text?: string,
): { line?: number; column?: number; text: string } {
  let pos = error.linePos?.[0];
  const message = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  if (text !== undefined && error.code === 'MISSING_CHAR' && /closing "?'?quote/i.test(message)) {
    pos = openingQuote(text, message.includes('"') ? '"' : "'") ?? pos;
  }
  return { line: pos?.line, column: pos?.col, text: message };
}

/** The line and column of the first quote that is not closed on its line (1-based). */
function openingQuote(text: string, quote: '"' | "'"): { line: number; col: number } | undefined {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^\s*#/.test(line)) continue;
    let open = -1;
    for (let c = 0; c < line.length; c++) {
      const ch = line[c];
      if (open === -1 && ch === '#' && (c === 0 || /\s/.test(line[c - 1]!))) break; // a comment
      if (ch === '\\' && quote === '"' && open !== -1) {
        c++;
        continue;
      }
      if (ch === quote) open = open === -1 ? c : -1;
    }
    if (open !== -1) return { line: i + 1, col: open + 1 };
  }
  return undefined;
}
