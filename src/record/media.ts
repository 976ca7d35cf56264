import { createDecipheriv, createHash } from 'node:crypto';
import { join } from 'node:path';
import { exists, writeFileAtomic } from '../adapters/files.js';

/** `content.file` of an encrypted attachment (spec: EncryptedFile). */
export interface EncryptedFile {
  url: string;
  key: { k: string; alg?: string };
  iv: string;
  hashes: { sha256: string };
}

export interface StoredMedia {
  sha256: string;
  size: number;
}

const unpadded = (b64: string) => b64.replace(/=+$/, '');

/**
 * Check an encrypted attachment's ciphertext against its SHA-256 first (a homeserver must not be
 * able to feed other bytes), then decrypt: AES-CTR-256 with the IV as a 128-bit counter block
 * whose low 64 bits count (Node's aes-256-ctr increments the whole block, the same for any file
 * under 2^64 blocks).
 */
export function decryptAttachment(data: Buffer, file: EncryptedFile): Buffer {
  const got = createHash('sha256').update(data).digest('base64');
  if (unpadded(got) !== unpadded(file.hashes?.sha256 ?? '')) {
    throw new Error('the SHA-256 of the downloaded ciphertext does not match the one in the event');
  }
  const key = Buffer.from(file.key.k, 'base64url');
  const iv = Buffer.from(file.iv, 'base64');
  if (key.length !== 32 || iv.length !== 16) throw new Error('the key or IV has the wrong length');
  const d = createDecipheriv('aes-256-ctr', key, iv);
  return Buffer.concat([d.update(data), d.final()]);
}

/** `mxc://server/id` → the authenticated download URL (spec v1.11). */
export function downloadUrl(baseUrl: string, mxc: string): string {
  const m = /^mxc:\/\/([^/]+)\/([A-Za-z0-9_-]+)$/.exec(mxc);
  if (!m) throw new Error(`not an mxc:// URI: ${JSON.stringify(mxc).slice(0, 80)}`);
  return `${baseUrl.replace(/\/$/, '')}/_matrix/client/v1/media/download/${encodeURIComponent(m[1] as string)}/${encodeURIComponent(m[2] as string)}`;
}

/** Download, check and decrypt if needed, and store under media/<sha256 of the plaintext>. */
export async function fetchMedia(
  baseUrl: string,
  accessToken: string,
  mediaDir: string,
  source: { url: string; file?: EncryptedFile },
  fetchImpl: typeof fetch = fetch,
): Promise<StoredMedia> {
  const res = await fetchImpl(downloadUrl(baseUrl, source.url), {
    headers: { authorization: `Bearer ${accessToken}` },
    signal: AbortSignal.timeout(60_000),
  });
  if (!res.ok) throw new Error(`download failed: HTTP ${res.status}`);
  const data = Buffer.from(await res.arrayBuffer());
  const plain = source.file ? decryptAttachment(data, source.file) : data;
  const sha256 = createHash('sha256').update(plain).digest('hex');
  const path = join(mediaDir, sha256);
  if (!(await exists(path))) await writeFileAtomic(path, plain);
  return { sha256, size: plain.length };
}
