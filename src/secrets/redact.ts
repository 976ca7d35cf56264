/** What replaces a secret in anything we show or store. */
export const REDACTED = '[REDACTED]';

/** Secrets shorter than this are ignored: they would redact ordinary words. */
export const MIN_SECRET_LENGTH = 4;

/**
 * One escaping layer a secret may pass through before it reaches a log line, each giving the
 * text between the quotes (the quotes themselves are outside the secret):
 * JSON (with or without ensure_ascii), Python's repr (as Ansible prints values), YAML single-
 * and double-quoted scalars, the shell quoting of Ansible's `quote` filter (shlex.quote) and of
 * POSIX sh, and URL encoding (connection strings).
 */
const LAYERS: Record<string, (s: string) => string> = {
  json: (s) => JSON.stringify(s).slice(1, -1),
  jsonAscii: (s) => asciiEscape(JSON.stringify(s).slice(1, -1)),
  pyRepr: (s) => pyReprBody(s, true),
  pyReprDq: (s) => pyReprBody(s, false),
  yamlSingle: (s) => s.replace(/'/g, "''"),
  yamlDouble: (s) => yamlDoubleBody(s, false),
  yamlDoubleAscii: (s) => yamlDoubleBody(s, true),
  shlexQuote: (s) => s.replace(/'/g, `'"'"'`),
  shPosix: (s) => s.replace(/'/g, `'\\''`),
  url: (s) => encodeURIComponent(s),
  // Python's urllib.parse.quote(s, safe=''): everything but letters, digits and _.-~ encoded.
  pyUrl: (s) =>
    [...Buffer.from(s, 'utf8')]
      .map((b) =>
        /[A-Za-z0-9_.~-]/.test(String.fromCharCode(b))
          ? String.fromCharCode(b)
          : `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
      )
      .join(''),
};

const YAML_ESCAPES: Record<string, string> = {
  '\0': '\\0',
  '\x07': '\\a',
  '\b': '\\b',
  '\t': '\\t',
  '\n': '\\n',
  '\x0b': '\\v',
  '\f': '\\f',
  '\r': '\\r',
  '\x1b': '\\e',
  '"': '\\"',
  '\\': '\\\\',
  '\x85': '\\N',
  '\xa0': '\\_',
  '\u2028': '\\L',
  '\u2029': '\\P',
};

/**
 * The inside of a YAML double-quoted scalar as PyYAML (and so Ansible's YAML output) writes it;
 * `ascii`: without allow_unicode (every non-ASCII character escaped).
 */
function yamlDoubleBody(s: string, ascii: boolean): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    const esc = YAML_ESCAPES[ch];
    const hex = (n: number) => cp.toString(16).toUpperCase().padStart(n, '0');
    if (esc) out += esc;
    else if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || (ascii && cp >= 0xa0 && cp < 0x100))
      out += `\\x${hex(2)}`;
    else if (cp > 0xffff) out += `\\U${hex(8)}`;
    else if ((ascii && cp >= 0x100) || (cp >= 0xd800 && cp < 0xe000) || cp === 0xfeff || cp >= 0xfffe)
      out += `\\u${hex(4)}`;
    else out += ch;
  }
  return out;
}

function asciiEscape(s: string): string {
  return s.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The inside of Python 3's repr() of a str: `'` escaped when `escapeSingle`, else left. */
function pyReprBody(s: string, escapeSingle: boolean): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === "'" && escapeSingle) out += "\\'";
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out;
}

/** How many layers deep forms are built (e.g. shell-quoted, then JSON, then Python repr). */
const DEPTH = 3;

/**
 * Every form `secret` can take in Ansible's output: the raw value and each combination of up
 * to three escaping layers (for example MDAD's `{{ password | quote }}` inside a JSON result:
 * shlex-quoted, then JSON-escaped, `'\"'\"'`).
 */
export function secretForms(secret: string): string[] {
  const forms = new Set<string>([secret]);
  let frontier = [secret];
  for (let depth = 0; depth < DEPTH; depth++) {
    const next: string[] = [];
    for (const f of frontier) {
      for (const layer of Object.values(LAYERS)) {
        const g = layer(f);
        if (!forms.has(g)) {
          forms.add(g);
          next.push(g);
        }
      }
    }
    frontier = next;
  }
  return [...forms];
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The longest run of ASCII letters and digits of each secret ('all' when one has none of 4). */
function anchorsOf(secrets: readonly string[]): string[] | 'all' {
  const out = new Set<string>();
  for (const s of secrets) {
    const runs = s.match(/[A-Za-z0-9]+/g) ?? [];
    const longest = runs.reduce((a, b) => (b.length > a.length ? b : a), '');
    if (longest.length < MIN_SECRET_LENGTH) return 'all';
    out.add(longest);
  }
  return [...out];
}

/**
 * One regular expression matching any of `words`, longest first, written as a trie
 * (`ab(?:c|d)`): at each position the engine follows only the branches whose next character
 * matches, instead of trying every form in turn (hundreds of forms stay fast).
 */
export function trieRegex(words: readonly string[]): string {
  const build = (group: readonly string[]): string => {
    // group: distinct suffixes; '' means a word ends here.
    const ends = group.includes('');
    const rest = group.filter((w) => w !== '');
    if (rest.length === 0) return '';
    let body: string;
    if (rest.length === 1) {
      body = escapeRegExp(rest[0]!);
    } else {
      const byFirst = new Map<string, string[]>();
      for (const w of rest) {
        const first = String.fromCodePoint(w.codePointAt(0)!);
        const list = byFirst.get(first) ?? [];
        list.push(w.slice(first.length));
        byFirst.set(first, list);
      }
      const branches = [...byFirst.entries()].map(([ch, tails]) => escapeRegExp(ch) + build(tails));
      body = branches.length === 1 ? branches[0]! : `(?:${branches.join('|')})`;
    }
    // Greedy: the longer form first; the shorter one (a word ends here) when it does not continue.
    return ends ? `(?:${body})?` : body;
  };
  return build([...new Set(words)]) || '(?!)';
}

/**
 * The one redactor: every command that shows, logs or journals text passes it through one
 * built with the case's secrets (src/ansible/case.ts caseRedactor). Removes each secret in
 * every form of secretForms.
 */
export class Redactor {
  private readonly secrets = new Set<string>();
  private readonly forms = new Set<string>();
  private pattern: RegExp | undefined;
  private anchors: string[] | 'all' | undefined;

  constructor(
    secrets: Iterable<string> = [],
    private readonly replacement = REDACTED,
  ) {
    for (const s of secrets) this.add(s);
  }

  add(secret: string | undefined): this {
    if (!secret || secret.length < MIN_SECRET_LENGTH || this.secrets.has(secret)) return this;
    this.secrets.add(secret);
    for (const f of secretForms(secret)) if (f.length >= MIN_SECRET_LENGTH) this.forms.add(f);
    this.pattern = undefined;
    this.anchors = undefined;
    return this;
  }

  /** How many forms are known (0: nothing to redact). */
  get size(): number {
    return this.forms.size;
  }

  /** The secrets themselves (for the teardown scan). */
  get values(): readonly string[] {
    return [...this.secrets];
  }

  /** Whether `text` holds a known secret in any form. */
  finds(text: string): boolean {
    if (this.forms.size === 0 || !this.mayHold(text)) return false;
    const re = this.regex();
    re.lastIndex = 0;
    return re.test(text);
  }

  redact(text: string): string {
    if (this.forms.size === 0 || !this.mayHold(text)) return text;
    return text.replace(this.regex(), this.replacement);
  }

  /**
   * Where to cut `text` at or before `at` so that no secret form straddles the cut (a long line
   * is passed on in pieces, each redacted alone): the start of a form crossing `at`, else `at`.
   * The text must run far enough past `at` to hold a whole form.
   */
  safeCut(text: string, at: number): number {
    if (this.forms.size === 0 || !this.mayHold(text)) return at;
    const re = this.regex();
    re.lastIndex = 0;
    for (const m of text.matchAll(re)) {
      if (m.index >= at) break;
      if (m.index > 0 && m.index + m[0].length > at) return m.index;
    }
    return at;
  }

  /**
   * A quick test before the full one: every form of a secret keeps the secret's longest run of
   * letters and digits (no escaping layer touches them), so text without any such run holds no
   * form. Secrets without a run of 4 make every text a candidate.
   */
  private mayHold(text: string): boolean {
    this.anchors ??= anchorsOf([...this.secrets]);
    if (this.anchors === 'all') return true;
    for (const a of this.anchors) if (text.includes(a)) return true;
    return false;
  }

  private regex(): RegExp {
    this.pattern ??= new RegExp(trieRegex([...this.forms]), 'g');
    return this.pattern;
  }
}
