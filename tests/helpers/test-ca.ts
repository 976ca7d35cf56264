import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

/** A throw-away certificate authority made with the openssl CLI, for local HTTPS servers. */
export interface TestCa {
  dir: string;
  /** The CA certificate, PEM. */
  caPem: string;
  caFile: string;
  /** Issue a server certificate for these DNS names (first is the CN). */
  issue(names: readonly string[], options?: { days?: number }): Promise<{ key: string; cert: string }>;
  cleanup(): Promise<void>;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  await execa('openssl', args, { cwd, stdin: 'ignore' });
}

export async function createTestCa(): Promise<TestCa> {
  const dir = await mkdtemp(join(tmpdir(), 'matrix-oob-ca-'));
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await openssl(
    [
      'req',
      '-x509',
      ...ec,
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '2',
      '-subj',
      '/CN=matrix-oob test CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  const caFile = join(dir, 'ca.pem');
  const caPem = await readFile(caFile, 'utf8');
  let serial = 0;
  return {
    dir,
    caPem,
    caFile,
    async issue(names, options = {}) {
      serial += 1;
      const base = `leaf${serial}`;
      await writeFile(
        join(dir, `${base}.ext`),
        [
          `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}`,
          'basicConstraints=CA:FALSE',
          'keyUsage=critical,digitalSignature',
          'extendedKeyUsage=serverAuth',
          '',
        ].join('\n'),
      );
      await openssl(
        ['req', ...ec, '-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', `/CN=${names[0]}`],
        dir,
      );
      await openssl(
        [
          'x509',
          '-req',
          '-in',
          `${base}.csr`,
          '-CA',
          'ca.pem',
          '-CAkey',
          'ca.key',
          '-set_serial',
          String(1000 + serial),
          '-days',
          String(options.days ?? 2),
          '-extfile',
          `${base}.ext`,
          '-out',
          `${base}.pem`,
        ],
        dir,
      );
      return {
        key: await readFile(join(dir, `${base}.key`), 'utf8'),
        cert: await readFile(join(dir, `${base}.pem`), 'utf8'),
      };
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
