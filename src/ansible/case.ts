import { readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { exists, readIfExists } from '../adapters/files.js';
import { readState } from '../case/state.js';
import { type LoadedCase, loadCase } from '../config/load.js';
import { UserError } from '../errors.js';
import { parseVars, plainVars } from '../inventory/vars-file.js';
import { checkoutPath } from '../playbook/pin.js';
import type { Derivations } from '../secrets/derived.js';
import { secretValuesOf } from '../secrets/keys.js';
import { Redactor } from '../secrets/redact.js';
import { nextCommand } from '../ui/next.js';
import type { AnsibleCase } from './run.js';

export interface OpenedCase extends LoadedCase {
  ansible: AnsibleCase;
}

/**
 * Load a case and check what every Ansible run needs: a playbook checkout with setup.yml, the
 * inventory, and the pinned host key. Each problem is a one-line error naming the fix.
 */
export async function openAnsibleCase(caseDir: string, playbook = 'setup.yml'): Promise<OpenedCase> {
  const loaded = await loadCase(caseDir);
  const { config, paths } = loaded;
  const checkout = checkoutPath(loaded);
  if (!config.playbook.path && !(await exists(checkout))) {
    throw new UserError(
      `the case has no playbook checkout (playbook.path is not set and ${checkout} does not exist)`,
      {
        hint: 'run "matrix-oob playbook fetch" to clone the playbook, or set playbook.path to a matrix-docker-ansible-deploy checkout.',
        next: nextCommand('playbook fetch', paths.root),
      },
    );
  }
  if (!(await exists(join(checkout, playbook)))) {
    throw new UserError(
      `playbook.path ${checkout} has no ${playbook}: it is not a matrix-docker-ansible-deploy checkout`,
      {
        hint: 'run "matrix-oob playbook fetch", or fix playbook.path in matrix-oob.yml.',
        next: nextCommand('playbook fetch', paths.root),
      },
    );
  }
  const { teardown } = await readState(paths.state);
  if (teardown && !(await exists(paths.vars))) {
    throw new UserError(`this case was torn down at ${teardown.at}: its server and secrets are gone`, {
      hint: 'to set up a new server for this case, run "matrix-oob init" here (fresh secrets), then deploy again.',
    });
  }
  if (!(await exists(paths.hosts))) {
    throw new UserError(`the case has no inventory (${paths.hosts} is missing)`, {
      hint: 'run "matrix-oob init" in this case folder to write the inventory.',
      next: nextCommand('init --config', undefined, paths.config, '--yes', paths.root),
    });
  }
  if (!(await exists(paths.knownHosts))) {
    throw new UserError(`the server's SSH host key is not pinned yet (${paths.knownHosts} is missing)`, {
      hint: 'run "matrix-oob trust-host" and compare the fingerprint with the one your provider shows; host-key checking is never turned off.',
      next: nextCommand('trust-host', paths.root),
    });
  }
  if (config.fallback && config.fallback.length > 0) {
    const { unpinnedFallbacks } = await import('../ssh/fallback-pins.js');
    const missing = unpinnedFallbacks(
      config,
      (await readIfExists(paths.hosts)) ?? '',
      (await readIfExists(paths.knownHosts)) ?? '',
    );
    if (missing.length > 0) {
      throw new UserError(`the SSH host key of the fallback server ${missing.join(', ')} is not pinned yet`, {
        hint: `run "matrix-oob trust-host --server ${missing[0]}" and compare the fingerprint with that provider's console; host-key checking is never turned off.`,
        next: nextCommand('trust-host', paths.root, '--server', missing[0]!),
      });
    }
  }
  return { ...loaded, ansible: { paths, checkout } };
}

/**
 * A redactor loaded with the case's secrets: vars.yml secret values, the secrets the playbook
 * derives from matrix_homeserver_generic_secret_key (read from `checkout`, src/secrets/derived.ts),
 * and handed-out passwords.
 */
export async function caseRedactor(
  paths: { vars: string; credentialsDir: string },
  checkout?: string,
  options: { skipUnreadable?: boolean } = {},
): Promise<Redactor> {
  // skipUnreadable (doctor): a file it cannot read is some check's finding; every other secret
  // is still redacted. Otherwise the error names the file.
  const read = (file: string) =>
    options.skipUnreadable ? readIfExists(file).catch(() => undefined) : readIfExists(file);
  const redactor = new Redactor();
  // Every server's vars.yml (the main one and any fallback's: docs/fallback.md).
  const hostVars = dirname(dirname(paths.vars));
  let hosts: string[] = [];
  if (basename(hostVars) === 'host_vars') {
    try {
      hosts = (await readdir(hostVars, { withFileTypes: true }))
        .filter((e) => e.isDirectory() && e.name.startsWith('matrix.'))
        .map((e) => e.name);
    } catch {
      hosts = [];
    }
  }
  const varsFiles = new Set([paths.vars, ...hosts.map((h) => join(hostVars, h, 'vars.yml'))]);
  // What MDAD derives from the generic secret depends only on the checkout: scanned once.
  let derivations: Derivations | undefined;
  for (const file of varsFiles) {
    const vars = await read(file);
    if (!vars) continue;
    // An unparsable vars.yml is reported by Ansible itself (quoting its lines): whatever of it
    // can be read is still redacted.
    const data = varsOrWhatReads(vars);
    for (const secret of secretValuesOf(data)) redactor.add(secret);
    const generic = data?.matrix_homeserver_generic_secret_key;
    if (checkout && typeof generic === 'string' && generic !== '') {
      const { checkoutDerivations, derivedSecrets } = await import('../secrets/derived.js');
      derivations ??= checkoutDerivations(checkout);
      for (const s of derivedSecrets(generic, derivations)) redactor.add(s);
    }
  }
  let names: string[] = [];
  try {
    names = await readdir(paths.credentialsDir);
  } catch {
    names = [];
  }
  for (const name of names) {
    const text = await read(join(paths.credentialsDir, name));
    const password = text ? /^password: (.*)$/m.exec(text)?.[1] : undefined;
    if (password) redactor.add(password);
  }
  return redactor;
}

/** Add a secret (the Redactor knows every form Ansible may print it in). */
export function addSecret(redactor: Redactor, secret: string): void {
  redactor.add(secret);
}

function varsOrWhatReads(text: string): Record<string, unknown> | undefined {
  try {
    return parseVars(text).data;
  } catch {
    return plainVars(text);
  }
}
