/**
 * The only ways a value reaches the generated inventory. Every input is validated first, but
 * these helpers do not rely on it: no value, however hostile, can add a key or change the
 * structure of the file.
 */

/** Jinja markers: Ansible templates any string containing them, so such a string is tagged !unsafe. */
const JINJA = /\{\{|\{%|\{#/;

/** Characters printed as \u escapes for readability (YAML would accept most of them raw). */
const ODD = /[\u007f-\u009f\u2028\u2029\ufeff]/g;

/**
 * A YAML scalar (or flow sequence) for `value`. Strings become JSON-style double-quoted
 * scalars, which YAML 1.2 reads back unchanged (quotes, newlines, "# ", ": ", "---" are all
 * inside the quotes). Strings with Jinja markers get Ansible's `!unsafe` tag, so the playbook
 * uses them verbatim instead of templating them.
 */
export function yamlValue(value: unknown): string {
  if (typeof value === 'string') {
    const quoted = JSON.stringify(value).replace(
      ODD,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
    return JINJA.test(value) ? `!unsafe ${quoted}` : quoted;
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (Array.isArray(value)) return `[${value.map(yamlValue).join(', ')}]`;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    // A flow mapping; keys are quoted like values, so no key can break out of it.
    const pairs = Object.entries(value).map(([k, v]) => `${yamlValue(k)}: ${yamlValue(v)}`);
    return `{${pairs.join(', ')}}`;
  }
  throw new TypeError(
    `yamlValue: cannot write ${value === undefined ? 'undefined' : typeof value} into YAML`,
  );
}

/**
 * A value for an INI inventory line (`key=value`). Ansible splits host lines on whitespace
 * and treats `#`/`;` as comments: such characters cannot be escaped there, so they are refused.
 */
export function iniValue(value: unknown): string {
  const text = String(value);
  if (text === '' || /[\s#;="'\\]/.test(text) || /[^\x21-\x7e]/.test(text)) {
    throw new TypeError(
      `iniValue: ${JSON.stringify(text)} cannot be written safely into an INI inventory line`,
    );
  }
  return text;
}

/** Text inside a `#` comment: anything that could end the comment line is replaced by "?". */
export function commentText(value: unknown): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  return String(value).replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff]/g, '?');
}
