/**
 * Everything `watch` shows comes from people who may be attackers: user names typed at a login
 * prompt, user agents, device IDs and display names chosen by clients, log lines. Before any of
 * it reaches a terminal, the journal or #control it goes through `untrusted`: terminal escape
 * sequences (ANSI CSI/OSC), C0/C1 control characters (newlines included), and the Unicode
 * characters that reorder or hide text (bidi overrides and isolates, zero-width joiners, BOM)
 * are removed or replaced, and the length is capped.
 */

// ESC-introduced sequences: CSI (ESC [ ... final), OSC (ESC ] ... BEL or ESC \), and 2-char ESC x.
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing terminal controls is the point
const ANSI = /\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[@-Z\\-_])/g;
// C1 CSI / OSC introducers used on their own (8-bit terminals).
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing terminal controls is the point
const C1_SEQ = /[\u009b][0-?]*[ -/]*[@-~]|\u009d[^\u0007\u009c]*[\u0007\u009c]?/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing terminal controls is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
// Bidi embeddings/overrides/isolates/marks, zero-width characters, word joiner, BOM, soft hyphen,
// interlinear annotation, tag characters.
const INVISIBLE =
  /[\u00ad\u061c\u115f\u1160\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\u3164\ufeff\ufff9-\ufffb]|\udb40[\udc00-\udc7f]/g;

/** Printable, single-line, at most `max` characters ("…" marks a cut). */
export function untrusted(value: unknown, max = 120): string {
  if (value === undefined || value === null) return '';
  let text = typeof value === 'string' ? value : String(value);
  text = text.replace(ANSI, '').replace(C1_SEQ, '').replace(CONTROL, '\ufffd').replace(INVISIBLE, '');
  // Lone surrogates would break JSON consumers and some terminals.
  text = text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
  const chars = [...text];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : text;
}
