import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Clock } from '../adapters/clock.js';
import { exists, readIfExists } from '../adapters/files.js';
import type { Capture } from '../adapters/process.js';
import { ansibleEnv } from '../ansible/env.js';
import {
  type AnsibleCase,
  type PlaybookResult,
  playbookCommand,
  type RunPlaybookRequest,
  runPlaybook,
} from '../ansible/run.js';
import { commandLine } from '../ansible/summary.js';
import { listTags } from '../ansible/tags.js';
import type { Config } from '../config/schema.js';
import { UserError } from '../errors.js';
import type { Redactor } from '../secrets/redact.js';
import { unpinnedFallbacks } from '../ssh/fallback-pins.js';
import type { Terminal } from '../ui/terminal.js';

/** playbooks/ at the package root (dist/teardown/ -> ../../playbooks), shipped with the package. */
export const PLAYBOOKS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'playbooks');
export const TEARDOWN_PLAYBOOK = join(PLAYBOOKS_DIR, 'teardown.yml');

/** MDAD's tag that stops every matrix-* service (mdad-contract.md section 8). */
export const STOP_TAG = 'stop';

/** What the server runs need besides the case. */
export interface ServerRunContext {
  terminal: Terminal;
  redactor: Redactor;
  signal?: AbortSignal;
  forceSignal?: AbortSignal;
  env: NodeJS.ProcessEnv;
  clock: Clock;
  killGraceMs?: number;
  controlDir?: string;
}

/** The server part needs the inventory and the pinned host key; else exit 2 before anything runs. */
export async function requireServerAccess(
  paths: { hosts: string; knownHosts: string },
  config: Config,
  only?: string,
): Promise<void> {
  if (!(await exists(paths.hosts))) {
    throw new UserError(`the case has no inventory (${paths.hosts} is missing): cannot reach the server`, {
      hint: 'run "matrix-oob init" in this case folder to write it; if the server no longer exists, use --local-only.',
    });
  }
  const knownHosts = await readIfExists(paths.knownHosts);
  if (knownHosts === undefined) {
    throw new UserError(`the server's SSH host key is not pinned (${paths.knownHosts} is missing)`, {
      hint: 'run "matrix-oob trust-host" first (host-key checking is never turned off); if the server no longer exists, use --local-only.',
    });
  }
  // Every fallback the run will reach has its own pin (the main one's is not enough), as deploy
  // checks (src/ansible/case.ts).
  const hostsText = (await readIfExists(paths.hosts)) ?? '';
  const [missing] = unpinnedFallbacks(config, hostsText, knownHosts).filter(
    (d) => only === undefined || d === only,
  );
  if (missing !== undefined) {
    throw new UserError(
      `the SSH host key of the fallback server ${missing} is not pinned in ${paths.knownHosts}`,
      {
        hint: `run "matrix-oob trust-host --server ${missing}" first (host-key checking is never turned off); if that server no longer exists, use --local-only.`,
      },
    );
  }
}

export type StopDecision = { run: true } | { run: false; reason: string };

/**
 * Whether the MDAD checkout can stop the services: it exists, has setup.yml, and setup.yml has
 * the `stop` tag. Never fatal: remove-all stops the units itself.
 */
export async function stopDecision(input: {
  checkout: string | undefined;
  /** Where the checkout was looked for (for the note when there is none). */
  checkoutDir: string;
  hosts: string;
  knownHosts: string;
  env: NodeJS.ProcessEnv;
  capture: Capture;
  /** The case's tags cache (the listing deploy made of the same commit). */
  cacheFile?: string;
}): Promise<StopDecision> {
  if (!input.checkout)
    return { run: false, reason: `no playbook checkout: ${input.checkoutDir} has no setup.yml` };
  try {
    const tags = await listTags({
      checkout: input.checkout,
      inventory: input.hosts,
      playbook: 'setup.yml',
      env: ansibleEnv({ knownHosts: input.knownHosts, colour: false, base: input.env }),
      capture: input.capture,
      ...(input.cacheFile ? { cacheFile: input.cacheFile } : {}),
    });
    if (!tags.has(STOP_TAG))
      return { run: false, reason: `setup.yml in ${input.checkout} has no "stop" tag` };
    return { run: true };
  } catch (err) {
    return { run: false, reason: err instanceof Error ? err.message : String(err) };
  }
}

function request(
  caseCtx: AnsibleCase,
  ctx: ServerRunContext,
  what: Pick<RunPlaybookRequest, 'playbook' | 'tags' | 'stage'>,
): RunPlaybookRequest {
  return {
    caseCtx,
    ...what,
    terminal: ctx.terminal,
    redactor: ctx.redactor,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    ...(ctx.forceSignal ? { forceSignal: ctx.forceSignal } : {}),
    env: ctx.env,
    clock: ctx.clock,
    ...(ctx.killGraceMs ? { killGraceMs: ctx.killGraceMs } : {}),
    ...(ctx.controlDir ? { controlDir: ctx.controlDir } : {}),
  };
}

/** MDAD `setup.yml --tags=stop`. */
export function stopServices(caseCtx: AnsibleCase, ctx: ServerRunContext): Promise<PlaybookResult> {
  return runPlaybook(
    request(caseCtx, ctx, { playbook: 'setup.yml', tags: [STOP_TAG], stage: 'teardown-stop' }),
  );
}

/** Our playbooks/teardown.yml: remove-all with its confirmation line, then check the data folder is gone. */
export function removeServer(caseCtx: AnsibleCase, ctx: ServerRunContext): Promise<PlaybookResult> {
  return runPlaybook(request(caseCtx, ctx, { playbook: TEARDOWN_PLAYBOOK, stage: 'teardown' }));
}

/** The commands --dry-run shows. */
export function serverCommands(caseCtx: AnsibleCase, stop: boolean, colour: boolean): string[] {
  const lines: string[] = [];
  if (stop)
    lines.push(commandLine(playbookCommand({ caseCtx, playbook: 'setup.yml', tags: [STOP_TAG] }, colour)));
  lines.push(commandLine(playbookCommand({ caseCtx, playbook: TEARDOWN_PLAYBOOK }, colour)));
  return lines;
}

/**
 * Whether the teardown run proves the data folder is gone: ansible-playbook succeeded and the
 * recap shows the case's host with no failed or unreachable task (the playbook's last task
 * asserts the folder is absent). A run that matched no host proves nothing.
 */
export function serverRemoved(result: PlaybookResult, host: string): boolean {
  const r = result.recap[host];
  return (
    result.exitCode === 0 &&
    !result.interrupted &&
    r !== undefined &&
    r.failed === 0 &&
    r.unreachable === 0 &&
    r.ok > 0
  );
}
