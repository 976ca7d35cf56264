import { domainToASCII } from 'node:url';

/**
 * DNS names as the checker handles them: ASCII (IDNs converted to punycode), lowercase, without
 * the trailing dot; the root is ".". dns-packet does no validation of its own, so every name is
 * checked here before it is encoded.
 */

export class DnsNameError extends Error {
  constructor(
    readonly input: string,
    problem: string,
  ) {
    super(`"${input}" is not a usable DNS name: ${problem}`);
    this.name = 'DnsNameError';
  }
}

/** Normalise and check a name; throws DnsNameError on an empty label or an over-long label/name. */
export function toAsciiName(input: string): string {
  let name = input.trim();
  if (name === '' || name === '.') return '.';
  if (name.endsWith('.')) name = name.slice(0, -1);
  if ([...name].some((c) => c.charCodeAt(0) > 0x7f)) {
    const ascii = domainToASCII(name);
    if (ascii === '') throw new DnsNameError(input, 'not a valid internationalised domain name');
    name = ascii;
  }
  name = name.toLowerCase();
  const problem = nameLengthProblem(name);
  if (problem) throw new DnsNameError(input, problem);
  return name;
}

/** Label (63) and name (253 in text form) limits of RFC 1035. */
export function nameLengthProblem(name: string): string | undefined {
  if (name.length > 253) return `${name.length} characters long; a DNS name has at most 253`;
  for (const label of name.split('.')) {
    if (label.length === 0) return 'has an empty label (two dots in a row, or a leading dot)';
    if (label.length > 63) return `has a label of ${label.length} characters; at most 63`;
  }
  return undefined;
}

export function canonical(name: string): string {
  const n = name.toLowerCase().replace(/\.$/, '');
  return n === '' ? '.' : n;
}

/** True when `name` equals `zone` or lies below it. */
export function isSubdomain(name: string, zone: string): boolean {
  const n = canonical(name);
  const z = canonical(zone);
  return z === '.' || n === z || n.endsWith(`.${z}`);
}

/** Number of labels ("." has 0). */
export function labelCount(name: string): number {
  const n = canonical(name);
  return n === '.' ? 0 : n.split('.').length;
}

/** "a.b.c" -> "b.c" -> "c" -> "." */
export function parentName(name: string): string {
  const n = canonical(name);
  const i = n.indexOf('.');
  return i < 0 ? '.' : n.slice(i + 1);
}
