import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { BIN } from '../helpers/cli.js';

/** Every kind of inventory matrix-oob writes: each homeserver, each call stack, IPv6, non-root, switches off. */
export const VARIANTS: Record<string, Record<string, unknown>> = {
  // Calls: Element Call (synapse's default stack), Jitsi (dendrite's), both (below).
  synapse: { homeserver: 'synapse', audio_video: { enabled: true } },
  dendrite: { homeserver: 'dendrite', audio_video: { enabled: true } },
  conduit: { homeserver: 'conduit' },
  continuwuity: { homeserver: 'continuwuity' },
  tuwunel: { homeserver: 'tuwunel' },
  'audio-video-ipv6': {
    audio_video: { enabled: true, stack: 'both' },
    server: { address: '203.0.113.10', ipv6: '2001:db8::10' },
    letsencrypt_email: 'security@example.com',
  },
  'non-root-minimal': {
    server: { address: '203.0.113.10', ssh_user: 'deploy', become: true, ssh_port: 2222 },
    element: false,
    serve_base_domain: false,
  },
};

export interface VariantCase {
  name: string;
  root: string;
  host: string;
  hosts: string;
  vars: string;
}

/** Write each variant's case with the real `matrix-oob init` (domain <variant>.example.com). */
export function writeVariantCases(dir: string): VariantCase[] {
  return Object.entries(VARIANTS).map(([name, extra]) => {
    const domain = `${name}.example.com`;
    const config = {
      domain,
      server: { address: '203.0.113.10' },
      users: [{ name: 'lead1', admin: true }, { name: 'analyst1' }],
      ...extra,
    };
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${name}.yml`);
    writeFileSync(file, stringify(config));
    const root = join(dir, name);
    execFileSync('node', [BIN, 'init', '--config', file, '--yes', root], { stdio: 'pipe' });
    const host = `matrix.${domain}`;
    return {
      name,
      root,
      host,
      hosts: join(root, 'inventory', 'hosts'),
      vars: join(root, 'inventory', 'host_vars', host, 'vars.yml'),
    };
  });
}

/** Top-level keys of a vars.yml. */
export function varsKeys(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(/^([A-Za-z_][A-Za-z0-9_]*):/gm)].map((m) => m[1]!);
}
