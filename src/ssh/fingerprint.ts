import { createHash } from 'node:crypto';

/**
 * OpenSSH's SHA256 fingerprint of a public key ("SHA256:" + unpadded base64 of the SHA-256 of
 * the key blob): the same string `ssh-keygen -lf` prints, computed without a child process.
 */
export function sha256Fingerprint(base64Key: string): string {
  const blob = Buffer.from(base64Key, 'base64');
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/**
 * Normalise a fingerprint a user typed or pasted: "SHA256:abc=", "sha256:abc", " abc ".
 * Returns undefined when it is not a SHA256 fingerprint (MD5 "aa:bb:..." is refused: too weak).
 */
export function normaliseFingerprint(input: string): string | undefined {
  const raw = input.trim();
  const m = /^(?:sha256:)?([A-Za-z0-9+/]{43})=?$/i.exec(raw);
  if (!m) return undefined;
  return `SHA256:${m[1]}`;
}

/** "ssh-ed25519" -> "ED25519", as ssh-keygen -l names key types. */
export function keyTypeLabel(type: string): string {
  if (type === 'ssh-ed25519') return 'ED25519';
  if (type === 'ssh-rsa') return 'RSA';
  if (type.startsWith('ecdsa-sha2-')) return 'ECDSA';
  if (type.startsWith('sk-ssh-ed25519')) return 'ED25519-SK';
  if (type.startsWith('sk-ecdsa')) return 'ECDSA-SK';
  return type.toUpperCase();
}
