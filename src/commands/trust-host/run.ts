import { relative } from 'node:path';
import { readIfExists, writeFileAtomic } from '../../adapters/files.js';
import { type Capture, capture as realCapture } from '../../adapters/process.js';
import { journal } from '../../case/journal.js';
import { withWaitingLock } from '../../case/lock.js';
import { loadCase } from '../../config/load.js';
import type { Config } from '../../config/schema.js';
import { caseServers, serverByDomain } from '../../config/servers.js';
import { readInventoryState } from '../../doctor/inventory-state.js';
import { ExitCode, ExitError, FailureError, UserError } from '../../errors.js';
import { parseInventoryIni } from '../../inventory/parse-hosts.js';
import { keyTypeLabel, normaliseFingerprint } from '../../ssh/fingerprint.js';
import { keyscan } from '../../ssh/keyscan.js';
import { type HostKey, hostPattern, pinKeys } from '../../ssh/known-hosts.js';
import { describeTarget, type SshTarget, sshTarget } from '../../ssh/target.js';
import { nextCommand } from '../../ui/next.js';
import type { Output } from '../../ui/output.js';
import { canPrompt, inquirerPrompts, type Prompts } from '../../ui/prompts.js';
import type { GlobalOptions } from '../context.js';
import type { TrustHostFlags } from './command.js';

export interface TrustHostRequest {
  flags: TrustHostFlags;
  globals: GlobalOptions;
  out: Output;
  capture?: Capture;
  prompts?: Prompts;
  interactive?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Called by `up`: no "Next:" advice, `up` goes on by itself. */
  embedded?: boolean;
}

/**
 * Pin the server's SSH host key in <case>/known_hosts. The key is only pinned after a human
 * compared its fingerprint (interactive choice) or with --fingerprint; never blindly.
 */
export async function runTrustHost(req: TrustHostRequest): Promise<void> {
  const { flags, globals, out } = req;
  let wanted: string | undefined;
  if (flags.fingerprint !== undefined) {
    wanted = normaliseFingerprint(flags.fingerprint);
    if (!wanted) {
      throw new UserError(`--fingerprint: "${flags.fingerprint}" is not a SHA256 fingerprint`, {
        hint: 'give it as ssh-keygen -lf prints it, e.g. --fingerprint SHA256:mNVRx/T8TaQ+SADYQkQgfCDYprc9uLu4wwOfHgow4k0 (MD5 fingerprints are not accepted).',
      });
    }
  }
  const interactive = req.interactive ?? canPrompt();
  if (!wanted && (globals.yes || !interactive)) {
    throw new UserError(
      `refusing to pin a host key nobody checked: ${globals.yes ? '--yes' : 'without a terminal to confirm on, matrix-oob'} needs --fingerprint`,
      {
        hint: 'get the fingerprint out of band (provider console, or on the server: ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) and pass it: matrix-oob trust-host --fingerprint SHA256:...',
      },
    );
  }

  const loaded = await loadCase(globals.case);
  const inv = await readInventoryState(loaded.paths);
  const target = flags.server
    ? await fallbackTarget(loaded.config, loaded.paths.hosts, flags.server, req.env ?? process.env)
    : sshTarget(loaded.config, inv.host, req.env ?? process.env);
  if (!flags.server && loaded.config.fallback?.length) {
    out.info(
      `this case has fallback servers: pin each one too, with --server ${loaded.config.fallback.map((f) => f.domain).join(' / --server ')}`,
    );
  }
  out.info(`asking ${target.host} port ${target.port} for its host keys (ssh-keyscan)...`);
  const keys = await keyscan(target.host, target.port, req.capture ?? realCapture);
  out.info(`the server at ${target.host} port ${target.port} presents:`);
  for (const k of keys) out.info(`  ${keyTypeLabel(k.type).padEnd(8)} ${k.fingerprint}`);

  let chosen: HostKey;
  if (wanted) {
    const match = keys.find((k) => k.fingerprint === wanted);
    if (!match) {
      throw new FailureError(
        `NO KEY MATCHES ${wanted}: the server at ${target.host} port ${target.port} is not the one you checked. POSSIBLE MAN-IN-THE-MIDDLE ATTACK (or a mistyped fingerprint, or the wrong address); nothing was pinned`,
        {
          hint: 'compare the fingerprint again with the provider console and check server.address / server.ssh_port; do not deploy until they match.',
        },
      );
    }
    chosen = match;
  } else {
    const prompts = req.prompts ?? inquirerPrompts();
    const pick = await prompts.select<HostKey | null>(
      'Which fingerprint did you verify out of band (provider console, or ssh-keygen -lf on the server)?',
      [
        ...keys.map((k) => ({
          name: `${keyTypeLabel(k.type)} ${k.fingerprint}`,
          value: k as HostKey | null,
        })),
        { name: 'none of them match: do not pin anything', value: null },
      ],
      // The cursor starts on "none": pinning takes a deliberate choice, not a reflexive Enter.
      null,
    );
    if (!pick) {
      out.warn(
        'nothing pinned. If the fingerprints do not match what the provider shows, treat it as a possible man-in-the-middle attack.',
      );
      throw new ExitError(ExitCode.FAILURE, {
        error: 'nothing pinned: none of the offered fingerprints was chosen',
        hint: 'compare the fingerprints with the provider console; if none matches, do not connect.',
      });
    }
    chosen = pick;
  }

  // Read, pin, write under a lock: two trust-host runs (the main server and a --server) at once
  // would otherwise each write the file without the other's pin.
  const file = loaded.paths.knownHosts;
  const { replaced } = await withWaitingLock(`${file}.lock`, 'trust-host', 'known_hosts', async () => {
    const before = (await readIfExists(file)) ?? '';
    const pinned = pinKeys(before, target.host, target.port, [chosen]);
    await writeFileAtomic(file, pinned.text);
    return pinned;
  });
  for (const r of replaced) {
    if (r.key !== chosen.key)
      out.warn(`replaced the previously pinned ${keyTypeLabel(r.type)} key ${r.fingerprint}`);
  }
  await journal(loaded.paths.journal, {
    command: 'trust-host',
    result: 'ok',
    host: hostPattern(target.host, target.port),
    fingerprint: chosen.fingerprint,
    replaced: replaced.map((r) => r.fingerprint),
  });
  out.info(
    `pinned ${keyTypeLabel(chosen.type)} ${chosen.fingerprint} for ${describeTarget(target)} in ${relative(process.cwd(), file) || file}.`,
  );
  if (!req.embedded) {
    out.info(
      `Next: "${nextCommand('doctor', loaded.paths.root)}" checks everything before the install, then "${nextCommand('deploy', loaded.paths.root)}" installs (or "${nextCommand('up', loaded.paths.root)}" does both and the rest).`,
    );
  }
  if (globals.json) {
    out.data(
      JSON.stringify(
        {
          host: target.host,
          port: target.port,
          known_hosts: file,
          pinned: { type: chosen.type, fingerprint: chosen.fingerprint },
          replaced: replaced.map((r) => ({ type: r.type, fingerprint: r.fingerprint })),
          offered: keys.map((k) => ({ type: k.type, fingerprint: k.fingerprint })),
        },
        null,
        2,
      ),
    );
  }
}

/** Where Ansible connects for the fallback server of `domain`: its inventory line, else its config. */
async function fallbackTarget(
  config: Config,
  hostsFile: string,
  domain: string,
  env: NodeJS.ProcessEnv,
): Promise<SshTarget> {
  const server = serverByDomain(config, domain);
  if (!server) {
    throw new UserError(`--server ${domain}: not a server of this case`, {
      hint: `give one of: ${caseServers(config)
        .map((s) => s.domain)
        .join(', ')}`,
    });
  }
  const text = (await readIfExists(hostsFile)) ?? '';
  const inventory = parseInventoryIni(text);
  const host = inventory.groups.flatMap((g) => g.hosts).find((h) => h.name === server.hostName);
  return sshTarget({ ...config, server: server.server }, host, env);
}
