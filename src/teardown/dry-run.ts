import { relative } from 'node:path';
import type { AnsibleCase } from '../ansible/run.js';
import type { LoadedCase } from '../config/load.js';
import { discoverHooks, type HookEvent } from '../hooks/discover.js';
import type { Output } from '../ui/output.js';
import type { TeardownPlan } from './plan.js';
import { serverCommands } from './server.js';

export interface DryRunInput {
  out: Output;
  json: boolean;
  colour: boolean;
  localOnly: boolean;
  skipHook: readonly string[];
  shippedHooksDir?: string;
  loaded: LoadedCase;
  plan: TeardownPlan;
  caseCtx: AnsibleCase;
  stopRuns: boolean;
  stopReason: string | undefined;
}

/** `teardown --dry-run`: what would run, in order (the commands, the hooks, the local removal). */
export async function teardownDryRun(d: DryRunInput): Promise<void> {
  const { out } = d;
  const commands = d.localOnly ? [] : serverCommands(d.caseCtx, d.stopRuns, d.colour);
  const hooks: Record<string, string[]> = {};
  for (const event of ['pre-teardown', 'post-teardown'] as HookEvent[]) {
    const found = await discoverHooks(event, {
      caseHooksDir: d.loaded.paths.hooksDir,
      ...(d.shippedHooksDir ? { shippedDir: d.shippedHooksDir } : {}),
      skip: [...d.skipHook],
    });
    hooks[event] = found.hooks.map((h) => h.path);
  }
  const rel = (p: string) => relative(d.loaded.paths.root, p) || '.';
  if (d.json) {
    out.data(
      JSON.stringify(
        {
          dry_run: true,
          domain: d.plan.domain,
          data_folder: d.plan.server.base,
          stop: d.stopRuns ? 'run' : `skipped: ${d.stopReason}`,
          commands,
          remove: d.plan.local.remove.map((i) => rel(i.path)),
          keep: d.plan.local.keep.map((i) => rel(i.path)),
          hooks,
        },
        null,
        2,
      ),
    );
    return;
  }
  out.info('');
  out.info('dry run: nothing is changed. It would run, in order:');
  const lines: string[] = [];
  for (const h of hooks['pre-teardown'] ?? []) lines.push(`# pre-teardown hook\n${h}`);
  if (!d.localOnly && !d.stopRuns) lines.push(`# stop the services: skipped (${d.stopReason})`);
  if (!d.localOnly) {
    const [first, second] = commands;
    if (d.stopRuns && first) lines.push(`# stop the services\n${first}`);
    const remove = d.stopRuns ? second : first;
    if (remove)
      lines.push(`# remove everything on the server, check ${d.plan.server.base} is gone\n${remove}`);
  }
  lines.push(
    `# remove the local secrets\n${d.plan.local.remove.length ? d.plan.local.remove.map((i) => `rm -rf ${i.path}`).join('\n') : '# (none left)'}`,
  );
  for (const h of hooks['post-teardown'] ?? []) lines.push(`# post-teardown hook\n${h}`);
  for (const l of lines) out.data(l);
}
