import generator from 'generate-password';

/** The secrets matrix-oob generates into vars.yml; once present, never regenerated. */
export const SECRET_KEYS = ['matrix_homeserver_generic_secret_key', 'postgres_connection_password'] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];

/**
 * 64 alphanumerics from generate-password, which draws from node:crypto (a CSPRNG).
 * Alphanumeric: safe in YAML, INI, shells and Jinja; 64 is what MDAD's own helper requires.
 */
export function generateSecret(length = 64): string {
  return generator.generate({
    length,
    numbers: true,
    lowercase: true,
    uppercase: true,
    symbols: false,
    strict: true,
  });
}
