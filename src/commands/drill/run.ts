import { resolve } from 'node:path';
import { systemClock } from '../../adapters/clock.js';
import { capture as realCapture } from '../../adapters/process.js';
import { interruptOnSignals } from '../../adapters/signals.js';
import { addSecret, caseRedactor, openAnsibleCase } from '../../ansible/case.js';
import { ansibleEnv } from '../../ansible/env.js';
import { killGrace } from '../../ansible/kill-grace.js';
import { type PlaybookResult, runPlaybook } from '../../ansible/run.js';
import { withSshControl } from '../../ansible/ssh-control.js';
import { failureDetails } from '../../ansible/summary.js';
import { assertTags, listTags } from '../../ansible/tags.js';
import { journal } from '../../case/journal.js';
import { withCaseLock } from '../../case/lock.js';
import { readState, writeSection } from '../../case/state.js';
import { type CaseServer, caseServers } from '../../config/servers.js';
import { homeserverUrl, pickAdmin } from '../../control-room/case.js';
import { readPassword } from '../../control-room/credentials.js';
import { serverUrlPairs } from '../../control-room/server-urls.js';
import { type DrillMessage, sendWhileDown, waitForCatchUp } from '../../drill/message.js';
import { FailureError, InterruptedError, UserError } from '../../errors.js';
import { MatrixApiError, MatrixClient, MatrixUnreachableError } from '../../matrix/client.js';
import { nextCommand } from '../../ui/next.js';
import type { Output } from '../../ui/output.js';
import { processTerminal } from '../../ui/terminal.js';
import type { GlobalOptions } from '../context.js';
import { requestTimeoutMs, secondsFlag } from '../options.js';
import type { DrillOptions } from './command.js';

export interface DrillRequest {
  opts: DrillOptions;
  globals: GlobalOptions;
  out: Output;
  env?: NodeJS.ProcessEnv;
}

interface Timings {
  stop_ms?: number;
  message_ms?: number;
  start_ms?: number;
  catch_up_ms?: number;
}

/**
 * `matrix-oob drill` (docs/fallback.md): stop one server's homeserver (the playbook's `stop`
 * tag, --limit that host), post into #control from another server and read it back there, start
 * the stopped one again (always: on failure and Ctrl-C too), and wait until it shows the message.
 */
/** Run under the case lock: no other command changes the case meanwhile. */
export async function runDrill(req: DrillRequest): Promise<void> {
  await withCaseLock(resolve(req.globals.case), 'drill', () => drillLocked(req));
}

async function drillLocked(req: DrillRequest): Promise<void> {
  const { opts, out } = req;
  const env = req.env ?? process.env;
  const opened = await openAnsibleCase(req.globals.case);
  const { config, paths } = opened;
  const servers = caseServers(config);
  if (servers.length < 2) {
    throw new UserError('drill needs a fallback server: this case has only one', {
      hint: 'add a fallback: entry to matrix-oob.yml (docs/fallback.md), run "matrix-oob init", deploy and "control-room", then drill.',
    });
  }
  const byDomain = (d: string, flag: string) => {
    const s = servers.find((x) => x.domain === d);
    if (!s) {
      throw new UserError(`${flag} ${d}: not a server of this case`, {
        hint: `give one of: ${servers.map((x) => x.domain).join(', ')}`,
      });
    }
    return s;
  };
  const victim = opts.stop ? byDomain(opts.stop, '--stop') : servers[0]!;
  const sender = opts.from ? byDomain(opts.from, '--from') : servers.find((s) => s !== victim)!;
  if (sender === victim) {
    throw new UserError(`--from ${sender.domain} is the server being stopped`, {
      hint: 'post from another server: the drill checks the room works without the stopped one',
    });
  }
  const urls = parseUrls(opts.homeserverUrl, servers);
  const catchUpMs = secondsFlag('--catch-up-timeout', opts.catchUpTimeout, {
    min: 1,
    max: 3600,
    example: 300,
  });
  const timeoutMs = requestTimeoutMs(opts.timeout);
  const admin = pickAdmin(config, opts.admin);
  const password = await readPassword(paths, admin);

  const available = await listTags({
    checkout: opened.ansible.checkout,
    inventory: paths.hosts,
    playbook: 'setup.yml',
    env: ansibleEnv({ knownHosts: paths.knownHosts, colour: false, base: env }),
    capture: realCapture,
    cacheFile: paths.tagsCache,
  });
  assertTags(['stop', 'start'], available, opened.ansible.checkout);

  const redactor = await caseRedactor(paths, opened.ansible.checkout);
  addSecret(redactor, password);
  const terminal = processTerminal();
  const interrupt = interruptOnSignals();
  interrupt.signal.addEventListener(
    'abort',
    () => out.warn(`interrupted: starting ${victim.hostName} again before exiting (Ctrl-C again to give up)`),
    { once: true },
  );
  const clientFor = (s: CaseServer) =>
    new MatrixClient({ baseUrl: urls[s.domain]!, redactor, timeoutMs, signal: interrupt.signal });

  const timings: Timings = {};
  const report = { stopped: victim.domain, from: sender.domain, timings };
  let failure: unknown;
  let restartFailure: FailureError | undefined;
  let message: DrillMessage | undefined;
  try {
    await withSshControl(async (controlDir) => {
      const play = (tag: 'stop' | 'start', signal: AbortSignal): Promise<PlaybookResult> =>
        runPlaybook({
          caseCtx: opened.ansible,
          tags: [tag],
          extraArgs: ['--limit', victim.hostName],
          stage: `drill-${tag}`,
          terminal,
          redactor,
          signal,
          env,
          killGraceMs: killGrace(env),
          controlDir,
        });
      const previous = (await readState(paths.state)).drill as { stopped?: string } | null | undefined;
      if (previous?.stopped && previous.stopped !== victim.hostName) {
        throw new UserError(`a previous drill left ${previous.stopped} stopped`, {
          hint: `start it first: matrix-oob drill --stop ${previous.stopped.replace(/^matrix\./, '')} (it restarts the server it stops), or matrix-oob deploy --stage start`,
        });
      }
      if (previous?.stopped)
        out.warn(`a previous drill left ${previous.stopped} stopped; this drill starts it again`);
      let stopped = false;
      try {
        await writeSection(paths.state, 'drill', { stopped: victim.hostName, at: new Date().toISOString() });
        stopped = true;
        out.info(
          `==> drill: stopping the homeserver of ${victim.hostName} (tag stop, --limit ${victim.hostName})`,
        );
        const t0 = performance.now();
        const stop = await play('stop', interrupt.signal);
        if (stop.interrupted) throw new InterruptedError(`interrupted while stopping ${victim.hostName}`);
        if (stop.exitCode !== 0) {
          throw new FailureError(`drill: stopping ${victim.hostName} failed`, {
            details: failureDetails(stop),
          });
        }
        timings.stop_ms = Math.round(performance.now() - t0);
        out.info(`${victim.hostName} is stopped (${timings.stop_ms} ms)`);
        out.info(`==> drill: posting into #control:${sender.domain} as @${admin}:${sender.domain}`);
        message = await sendWhileDown(clientFor(sender), sender.domain, admin, password, victim.domain).catch(
          (err: unknown) => {
            throw explain(
              err,
              `posting into #control on ${sender.domain} while ${victim.domain} is down failed`,
            );
          },
        );
        timings.message_ms = message.sentMs;
        out.info(`the message is in #control on ${sender.domain} (${message.eventId}, ${message.sentMs} ms)`);
      } catch (err) {
        failure = err;
      }
      if (stopped || previous?.stopped) {
        out.info(
          `==> drill: starting the homeserver of ${victim.hostName} again (tag start, --limit ${victim.hostName})`,
        );
        const t0 = performance.now();
        const start = await play('start', interrupt.force);
        if (start.exitCode === 0 && !start.interrupted) {
          timings.start_ms = Math.round(performance.now() - t0);
          await writeSection(paths.state, 'drill', null);
          out.info(`${victim.hostName} is started again (${timings.start_ms} ms)`);
        } else {
          restartFailure = new FailureError(`drill: ${victim.hostName} could not be started again`, {
            details: start.interrupted ? ['the start was interrupted'] : failureDetails(start),
            hint: `start it with "matrix-oob drill" again or "matrix-oob deploy --stage start -- --limit ${victim.hostName}"`,
            next: nextCommand('deploy', paths.root, '--stage', 'start', '--', '--limit', victim.hostName),
          });
        }
      }
    });
    if (restartFailure) throw restartFailure;
    if (failure) throw failure;
    if (interrupt.signal.aborted)
      throw new InterruptedError('interrupted after the drill restarted the server');
    out.info(`==> drill: waiting for ${victim.domain} to catch up (up to ${Math.round(catchUpMs / 1000)} s)`);
    timings.catch_up_ms = await waitForCatchUp(
      clientFor(victim),
      admin,
      password,
      message!,
      catchUpMs,
      undefined,
      interrupt.signal,
    ).catch((err: unknown) => {
      throw explain(err, `${victim.domain} did not catch up`);
    });
    out.info(`${victim.domain} shows the message (${timings.catch_up_ms} ms after its restart)`);
  } catch (err) {
    await journal(
      paths.journal,
      {
        command: 'drill',
        result: err instanceof InterruptedError ? 'interrupted' : 'failed',
        ...report,
        error: err instanceof Error ? err.message : String(err),
      },
      redactor,
      systemClock,
    );
    throw err;
  } finally {
    interrupt.dispose();
  }
  await journal(paths.journal, { command: 'drill', result: 'ok', ...report }, redactor, systemClock);
  if (req.globals.json) out.data(JSON.stringify({ ok: true, ...report }, null, 2));
  out.info(
    `drill passed: #control worked without ${victim.domain} (stop ${timings.stop_ms} ms, post ${timings.message_ms} ms, start ${timings.start_ms} ms, catch-up ${timings.catch_up_ms} ms)`,
  );
}

function explain(err: unknown, what: string): unknown {
  if (err instanceof UserError || err instanceof InterruptedError) return err;
  const why =
    err instanceof MatrixUnreachableError || err instanceof MatrixApiError || err instanceof Error
      ? err.message
      : String(err);
  return new FailureError(`drill: ${what}: ${why}`, {
    hint: 'check that #control exists on every server ("matrix-oob control-room") and that the servers answer ("matrix-oob verify")',
  });
}

function parseUrls(given: readonly string[], servers: CaseServer[]): Record<string, string> {
  const domains = servers.map((s) => s.domain);
  const urls = serverUrlPairs('--homeserver-url', given, domains, 'a server of this case');
  return Object.fromEntries(domains.map((d) => [d, homeserverUrl(d, urls[d])]));
}
