import { discoverHooks, type HookEvent } from '../hooks/discover.js';
import type { HookContext, HookRunSummary } from '../hooks/run.js';

/**
 * runHooks for teardown's events, loaded only when the event has hooks (or files that look like
 * one): a case without teardown hooks needs nothing of the hook runner.
 */
export async function teardownHooks(event: HookEvent, ctx: HookContext): Promise<HookRunSummary> {
  const found = await discoverHooks(event, {
    caseHooksDir: ctx.loaded.paths.hooksDir,
    ...(ctx.shippedDir ? { shippedDir: ctx.shippedDir } : {}),
    ...(ctx.skip ? { skip: ctx.skip } : {}),
  });
  if (found.hooks.length === 0 && found.ignored.length === 0) return { event, outcomes: [], failed: [] };
  const { runHooks } = await import('../hooks/run.js');
  return runHooks(event, ctx);
}
