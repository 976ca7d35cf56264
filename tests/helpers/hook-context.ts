import { caseRedactor } from '../../src/ansible/case.js';
import { loadCase } from '../../src/config/load.js';
import type { HookContext } from '../../src/hooks/run.js';
import type { Redactor } from '../../src/secrets/redact.js';
import { memoryOutput } from '../../src/ui/output.js';
import { memoryTerminal } from '../../src/ui/terminal.js';

type Fields = Partial<Omit<HookContext, 'loaded' | 'terminal' | 'out' | 'redactor'>> & {
  redactor?: Redactor;
};

/**
 * A hook context for the case in `caseDir` (command "test"), its output and terminal in memory;
 * the redactor is the case's own unless `fields` gives one.
 */
export async function hookContext(caseDir: string, fields: Fields = {}) {
  const loaded = await loadCase(caseDir);
  const out = memoryOutput();
  const terminal = memoryTerminal();
  const { redactor, ...rest } = fields;
  const ctx: HookContext = {
    loaded,
    terminal,
    out,
    redactor: redactor ?? (await caseRedactor(loaded.paths)),
    command: 'test',
    ...rest,
  };
  return { ctx, out, terminal };
}
