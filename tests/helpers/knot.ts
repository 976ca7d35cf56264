import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createClient } from '../../src/dns/client.js';

/**
 * A real authoritative server (Debian's knotd) run from a temp dir with its own config, rundir
 * and storage, listening on 127.x addresses at a port chosen by the suite.
 */
export interface KnotInstance {
  stop(): Promise<void>;
  stderr(): string;
}

export interface KnotZone {
  name: string;
  /** Zone file text ($ORIGIN is set to the zone). */
  text: string;
}

export const KNOTD = '/usr/sbin/knotd';

/** The zone <name>.test: a SOA with this serial (negative TTL 60), then these zone-file lines. */
export function testZone(name: string, serial: number, lines: string[]): KnotZone {
  const apex = `${name}.test`;
  const soa = `@ SOA ns1.${apex}. hostmaster.${apex}. ${serial} 3600 600 86400 60`;
  return { name: apex, text: [soa, ...lines].join('\n') };
}

export async function startKnot(opts: {
  dir: string;
  addresses: string[];
  port: number;
  zones: KnotZone[];
}): Promise<KnotInstance> {
  const { dir, addresses, port, zones } = opts;
  await mkdir(join(dir, 'run'), { recursive: true });
  await mkdir(join(dir, 'db'), { recursive: true });
  await mkdir(join(dir, 'zones'), { recursive: true });
  for (const z of zones) {
    await writeFile(join(dir, 'zones', `${z.name}.zone`), `$ORIGIN ${z.name}.\n$TTL 300\n${z.text}\n`);
  }
  const conf = [
    'server:',
    `    rundir: "${join(dir, 'run')}"`,
    `    listen: [ ${addresses.map((a) => `"${a}@${port}"`).join(', ')} ]`,
    '    udp-workers: 1',
    '    tcp-workers: 1',
    '    background-workers: 1',
    'database:',
    `    storage: "${join(dir, 'db')}"`,
    'log:',
    '  - target: stderr',
    '    any: warning',
    'template:',
    '  - id: default',
    `    storage: "${join(dir, 'zones')}"`,
    '    zonefile-sync: -1',
    '    journal-content: none',
    'zone:',
    ...zones.map((z) => `  - domain: ${z.name}.\n    file: ${z.name}.zone`),
    '',
  ].join('\n');
  const confFile = join(dir, 'knot.conf');
  await writeFile(confFile, conf);
  let err = '';
  const child: ChildProcess = spawn(KNOTD, ['-c', confFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  let spawnError: Error | undefined;
  child.once('error', (e) => {
    spawnError = e;
  });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  const instance: KnotInstance = {
    stderr: () => err,
    async stop() {
      if (spawnError) return;
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
  // Wait until every address answers authoritatively for every zone.
  const client = createClient({ timeoutMs: 200, retries: 0 });
  const deadline = Date.now() + 10000;
  for (const address of addresses) {
    for (const z of zones) {
      for (;;) {
        if (spawnError)
          throw new Error(`cannot run ${KNOTD} (${spawnError.message}): run scripts/install-system-deps.sh`);
        if (child.exitCode !== null) throw new Error(`knotd exited: ${err}`);
        const r = await client.query({ address, port }, { name: z.name, type: 'SOA' }, { recursion: false });
        if (r.state === 'reply' && r.reply?.aa) break;
        if (Date.now() > deadline) {
          await instance.stop();
          throw new Error(`knotd did not serve ${z.name} on ${address}:${port}: ${err}`);
        }
        await new Promise((res) => setTimeout(res, 50));
      }
    }
  }
  return instance;
}
