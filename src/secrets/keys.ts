/**
 * Which inventory variables hold secrets, by name: one rule for every command that redacts
 * (deploy, user add, doctor, init --dry-run). Generous on purpose: redacting a value that was
 * not secret costs a little readability; missing one leaks it. Covers MDAD's secrets and
 * Ansible's connection secrets (ansible_become_pass/password, ansible_ssh_pass, ...), API keys
 * and hashes (`*_api_hash`, `apikey`), connection strings (`*_dsn`), `pwd`.
 */
const SECRET_NAME =
  /secret|passw|passphrase|_pass$|^pass$|pwd|token|_key$|^key$|key_|apikey|api_hash|_hash$|dsn|salt|private|credential|cookie|signing|webhook/i;

export function isSecretKey(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** Every value under a secret-named key, at any depth (scalars as text). */
export function secretValuesOf(data: unknown): string[] {
  const out: string[] = [];
  const walk = (key: string, value: unknown, secret: boolean) => {
    const isSecret = secret || isSecretKey(key);
    if (typeof value === 'string' || typeof value === 'number') {
      if (isSecret) out.push(String(value));
    } else if (Array.isArray(value)) {
      for (const v of value) walk(key, v, isSecret);
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) walk(k, v, isSecret);
    }
  };
  if (data && typeof data === 'object' && !Array.isArray(data)) {
    for (const [k, v] of Object.entries(data)) walk(k, v, false);
  }
  return out;
}
