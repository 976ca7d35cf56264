/** What replaces a secret in anything we show or store. */
export const REDACTED = '[REDACTED]';

/**
 * Removes known secret values from text: the raw value and the forms it takes once quoted by
 * JSON, YAML single quotes or Python's repr (as Ansible prints it). Secrets shorter than
 * 4 characters are ignored (they would redact ordinary words).
 */
export class Redactor {
  private readonly forms = new Set<string>();

  constructor(secrets: Iterable<string> = []) {
    for (const s of secrets) this.add(s);
  }

  add(secret: string | undefined): this {
    if (!secret || secret.length < 4) return this;
    this.forms.add(secret);
    this.forms.add(JSON.stringify(secret).slice(1, -1));
    this.forms.add(secret.replace(/'/g, "''"));
    this.forms.add(secret.replace(/\\/g, '\\\\').replace(/'/g, "\\'"));
    // Shell-quoted by Ansible's `quote` filter: ' becomes '"'"'.
    this.forms.add(secret.replace(/'/g, `'"'"'`));
    return this;
  }

  get size(): number {
    return this.forms.size;
  }

  redact(text: string): string {
    let out = text;
    // Longest first, so a form that contains another is replaced whole.
    for (const form of [...this.forms].sort((a, b) => b.length - a.length)) {
      if (out.includes(form)) out = out.split(form).join(REDACTED);
    }
    return out;
  }
}
