/**
 * Compare dotted versions the way Ansible's `version` test (loose) does for the versions we
 * meet: "2.15.1", "v2026.05.18.0", "3.6.0". A leading "v" is ignored; numeric parts compare as
 * numbers, and a part with letters ("0rc1") compares by its leading number, then as text.
 * Returns <0, 0 or >0.
 */
export function compareVersions(a: string, b: string): number {
  const pa = parts(a);
  const pb = parts(b);
  const n = Math.max(pa.length, pb.length);
  for (let i = 0; i < n; i++) {
    const x = pa[i] ?? '0';
    const y = pb[i] ?? '0';
    const nx = Number.parseInt(x, 10);
    const ny = Number.parseInt(y, 10);
    if (!Number.isNaN(nx) && !Number.isNaN(ny) && nx !== ny) return nx - ny;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

function parts(v: string): string[] {
  return v.trim().replace(/^v/i, '').split(/[.+-]/);
}

/** A version string is something compareVersions understands: digits first. */
export function looksLikeVersion(v: string): boolean {
  return /^v?\d+(\.\d+)*([.+-][0-9A-Za-z]+)*$/.test(v.trim());
}
