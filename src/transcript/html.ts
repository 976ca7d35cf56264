import type { CaseVerification } from '../record/verify.js';
import type { Item, RoomTranscript } from './model.js';

/**
 * The transcript as one self-contained HTML file: no external resource, no script, and a
 * content security policy that forbids both, so a hostile message body can do nothing. Every
 * text is escaped; bidirectional and invisible control characters are shown as [U+XXXX] so a
 * body cannot reorder what is displayed around it.
 */
export const CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** C0/C1 controls (but tab and line breaks), bidi marks, embeddings, overrides and isolates, zero-width characters. */
function isControl(cp: number): boolean {
  return (
    (cp < 0x20 && cp !== 0x09 && cp !== 0x0a && cp !== 0x0d) ||
    (cp >= 0x7f && cp <= 0x9f) ||
    cp === 0x061c ||
    (cp >= 0x200b && cp <= 0x200f) ||
    (cp >= 0x202a && cp <= 0x202e) ||
    (cp >= 0x2060 && cp <= 0x2069) ||
    cp === 0xfeff
  );
}

function showControls(text: string): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0) as number;
    out += isControl(cp) ? `[U+${cp.toString(16).toUpperCase().padStart(4, '0')}]` : ch;
  }
  return out;
}

export function escapeText(text: string): string {
  return showControls(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#111;background:#fff}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse}td,th{padding:.15em .6em;text-align:left;vertical-align:top;border-bottom:1px solid #eee}
.ok{color:#060}.broken{color:#b00;font-weight:bold}
.t{white-space:nowrap;color:#555;font-family:monospace}.s{white-space:nowrap;font-family:monospace}
.b{white-space:pre-wrap;unicode-bidi:isolate;word-break:break-word}
.state{color:#666;font-style:italic}.red{background:#fee}.utd{color:#b00}
.note{color:#555;font-size:.9em;display:block}code{font-size:.9em;word-break:break-all}
`;

/** One timeline line; `media`: the URL path of record/media/ from the HTML file. */
function itemHtml(i: Item, media: string): string {
  const parts: string[] = [];
  if (i.state) parts.push(`<span class="state">${escapeText(i.state)}</span>`);
  if (i.redacts) parts.push(`<span class="state">redacted <code>${escapeText(i.redacts)}</code></span>`);
  if (i.undecryptable) {
    parts.push(
      `<span class="utd">[undecryptable: ${escapeText(i.undecryptable.code)}: ${escapeText(i.undecryptable.reason)}]</span>`,
    );
  }
  if (i.edits) parts.push(`<span class="note">edit of <code>${escapeText(i.edits)}</code>, new text:</span>`);
  if (i.reply_to) parts.push(`<span class="note">in reply to <code>${escapeText(i.reply_to)}</code></span>`);
  if (i.body !== undefined && !i.attachment) parts.push(`<bdi class="b">${escapeText(i.body)}</bdi>`);
  if (i.attachment) {
    const a = i.attachment;
    parts.push(
      a.sha256
        ? // Read back from a record file that may have been edited: escaped like any other text.
          `attachment <bdi class="b">${escapeText(a.name)}</bdi>: <a href="${escapeText(`${media}/${a.sha256}`)}">media/${escapeText(a.sha256)}</a> (${a.size} bytes, SHA-256 of the content)`
        : `attachment <bdi class="b">${escapeText(a.name)}</bdi>: <span class="utd">${escapeText(a.error ?? 'not stored')}</span>`,
    );
  }
  for (const e of i.edited_by ?? []) {
    parts.push(
      `<span class="note">edited at ${escapeText(e.time)} to: <bdi class="b">${escapeText(e.body)}</bdi></span>`,
    );
  }
  if (i.redacted_by) {
    parts.push(
      `<span class="note utd">redacted at ${escapeText(i.redacted_by.time)} by ${escapeText(i.redacted_by.sender)} (the recorded text above stays)</span>`,
    );
  }
  return `<tr id="${escapeText(i.event_id)}"${i.redacted_by ? ' class="red"' : ''}><td class="t">${escapeText(i.time)}</td><td class="s">${escapeText(i.sender)}</td><td>${parts.join(' ')}</td></tr>`;
}

export function renderHtml(
  rooms: RoomTranscript[],
  verification: CaseVerification,
  meta: { domain: string; generated: string; media?: string },
): string {
  const heads = verification.files
    .map(
      (f) =>
        `<tr><td><code>${escapeText(f.file)}</code></td><td class="${f.problem ? 'broken' : 'ok'}">${f.problem ? `BROKEN: ${escapeText(f.problem.message)}` : 'intact'}</td><td><code>${f.head.seq}:${escapeText(f.head.hash)}</code></td></tr>`,
    )
    .join('\n');
  const body = rooms
    .map(
      (r) =>
        `<h2>${escapeText(r.name ?? r.room_id)} <code>${escapeText(r.room_id)}</code></h2>\n<table>\n${r.items.map((i) => itemHtml(i, meta.media ?? 'media')).join('\n')}\n</table>`,
    )
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="referrer" content="no-referrer">
<title>Transcript of case ${escapeText(meta.domain)}</title>
<style>${STYLE}</style></head>
<body>
<h1>Transcript of case ${escapeText(meta.domain)}</h1>
<p>Generated ${escapeText(meta.generated)} by matrix-oob. Times are UTC. Senders are the case's pseudonymous accounts.</p>
<h2>Integrity</h2>
<p id="verification" class="${verification.ok ? 'ok' : 'broken'}">${verification.ok ? 'record verify: every hash chain of the case is intact.' : 'record verify: a hash chain is BROKEN; this record was changed after it was written.'}</p>
<table>
<tr><th>file</th><th>chain</th><th>head (entry:SHA-256)</th></tr>
${heads}
</table>
${body}
</body></html>
`;
}
