import { isMap, isSeq, parseDocument } from 'yaml';

/**
 * matrix-oob.yml without the fallback server of `domain`, comments and every other key kept.
 * Undefined when the file lists no such fallback.
 */
export function withoutFallback(text: string, domain: string): string | undefined {
  const doc = parseDocument(text, { logLevel: 'silent' });
  const seq = doc.get('fallback', true);
  if (!isSeq(seq)) return undefined;
  const index = seq.items.findIndex((item) => isMap(item) && item.get('domain') === domain);
  if (index < 0) return undefined;
  seq.items.splice(index, 1);
  if (seq.items.length === 0) doc.delete('fallback');
  return doc.toString({ lineWidth: 0 });
}
