import type { YAMLError } from 'yaml';

/** "line 3, column 5: <what>" for the first error of a parsed YAML document. */
export function describeYamlError(error: YAMLError): { line?: number; column?: number; text: string } {
  const pos = error.linePos?.[0];
  const text = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  return { line: pos?.line, column: pos?.col, text };
}
