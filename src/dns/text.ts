/** Fitting text into a terminal width: word wrap with a hanging indent, and middle abbreviation. */

export const WIDTH = 80;

/** Wrap `text` to `width` columns; continuation lines start with `indent` spaces. */
export function wrap(text: string, width: number, indent = 0): string[] {
  const lines: string[] = [];
  let line = '';
  const room = () => (lines.length === 0 ? width : width - indent);
  for (let word of text.split(' ')) {
    while (word.length > room() && line === '') {
      // A word longer than a whole line (a long name or URL): break it.
      lines.push(word.slice(0, room()));
      word = word.slice(room());
    }
    if (line === '') line = word;
    else if (line.length + 1 + word.length <= room()) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
      while (line.length > room()) {
        lines.push(line.slice(0, room()));
        line = line.slice(room());
      }
    }
  }
  lines.push(line);
  return lines.map((l, i) => (i === 0 ? l : ' '.repeat(indent) + l));
}

/** "ns1.very-long-provider-name.net" -> "ns1.very-lo…name.net" (full text stays in --json). */
export function abbreviate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max < 3) return text.slice(0, max);
  const tail = Math.floor((max - 1) / 2);
  return `${text.slice(0, max - 1 - tail)}…${text.slice(text.length - tail)}`;
}
