import type { GlobalOptions } from '../../cli.js';
import { UserError } from '../../errors.js';
import type { Output } from '../../ui/output.js';
import type { InitOptions } from './command.js';

export interface InitRequest {
  caseDir: string | undefined;
  opts: InitOptions;
  globals: GlobalOptions;
  out: Output;
}

export async function runInit(_req: InitRequest): Promise<void> {
  throw new UserError('init is not implemented yet');
}
