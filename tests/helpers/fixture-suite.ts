import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CaseOptions, writeCase, writeFallbackCase } from './case.js';
import { type CaseDns, startCaseDns } from './case-dns.js';
import { fallbackEnv, fixtureEnv } from './cli-process.js';
import { makeCollectionPaths } from './collections.js';
import { makeFixtureCheckout } from './mdad-fixture.js';
import { startSshd, type TestSshd } from './sshd.js';

/**
 * The test bed of a suite that runs the built CLI against the fixture playbook: loopback sshd
 * (two with `fallback`), a temporary folder, the fixture checkout in it, optionally a case, DNS
 * servers and Ansible collections, and the environment to run the CLI with. `fixtureSuite`
 * registers the beforeAll that builds it and the afterAll that takes it down; the returned
 * object is filled in by the time the suite's own hooks and tests run.
 */
export interface FixtureSuiteOptions {
  /** The temporary folder is matrix-oob-<name>-XXXXXX. */
  name: string;
  /** A second sshd as the fallback server (docs/fallback.md); the env is then fallbackEnv's. */
  fallback?: boolean;
  /** Install the checkout's galaxy roles (default: yes). */
  roles?: boolean;
  /** Change the fixture checkout before the case is written (a task's tags, extra vars). */
  editCheckout?(checkout: string): void;
  /**
   * Write the case <dir>/case with these options (writeCase; with `fallback`, writeFallbackCase:
   * MAIN_DOMAIN and FALLBACK_DOMAIN). No case when left out.
   */
  case?: Omit<CaseOptions, 'fallback'>;
  /** DNS servers on `<prefix>.*` for these domains (startCaseDns; ip: the sshd's address by default). */
  dns?: { prefix: string; zones: { domain: string; ip?: string }[] };
  /** Keep deploy's DNS gate (MATRIX_OOB_SKIP_DNS_CHECK unset); implied by `dns`. */
  dnsCheck?: boolean;
  /** Only Ansible collections built here (good ones; makeCollectionPaths), ansible-core 2.14 accepted. */
  collections?: boolean;
  /** More environment; a variable set to undefined is removed. */
  env?: NodeJS.ProcessEnv;
  /** Run in afterAll before the servers stop (e.g. kill what a test left running). */
  beforeStop?(): void;
}

export interface FixtureSuite {
  sshd: TestSshd;
  /** The fallback server's sshd (with `fallback` only). */
  fallback: TestSshd;
  dir: string;
  checkout: string;
  /** <dir>/case (written only with the `case` option). */
  caseDir: string;
  /** The fixture's data folder (MDAD_FIXTURE_DATA), <dir>/data. */
  data: string;
  /** The CLI's private TMPDIR, <dir>/tmp. */
  tmp: string;
  env: NodeJS.ProcessEnv;
}

/** The environment that makes ansible see only the collections at `path`, ansible-core 2.14 accepted. */
export function collectionsEnv(path: string): NodeJS.ProcessEnv {
  return {
    ANSIBLE_COLLECTIONS_PATH: path,
    // Only these collections: the suite must not depend on Debian's full ansible.
    ANSIBLE_COLLECTIONS_SCAN_SYS_PATH: 'false',
    MATRIX_OOB_MIN_ANSIBLE_CORE: '2.14',
  };
}

/** Register the suite's beforeAll (build the bed) and afterAll (take it down); see above. */
export function fixtureSuite(o: FixtureSuiteOptions): FixtureSuite {
  const s = {} as FixtureSuite;
  let dns: CaseDns | undefined;
  beforeAll(async () => {
    const servers = await Promise.all(o.fallback ? [startSshd(), startSshd()] : [startSshd()]);
    s.sshd = servers[0]!;
    if (o.fallback) s.fallback = servers[1]!;
    s.dir = mkdtempSync(join(tmpdir(), `matrix-oob-${o.name}-`));
    s.data = join(s.dir, 'data');
    s.tmp = join(s.dir, 'tmp');
    mkdirSync(s.tmp);
    s.caseDir = join(s.dir, 'case');
    if (o.dns) {
      const zones = o.dns.zones.map((z) => ({ domain: z.domain, ip: z.ip ?? s.sshd.host }));
      dns = await startCaseDns(o.dns.prefix, zones);
    }
    s.checkout = makeFixtureCheckout(join(s.dir, 'mdad'), { roles: o.roles ?? true });
    o.editCheckout?.(s.checkout);
    if (o.case && o.fallback) writeFallbackCase(s.caseDir, s.sshd, s.fallback, s.checkout, o.case);
    else if (o.case) writeCase(s.caseDir, s.sshd, s.checkout, o.case);
    const extra: NodeJS.ProcessEnv = {
      ...dns?.env,
      ...(o.collections ? collectionsEnv(makeCollectionPaths(join(s.dir, 'collections')).good) : {}),
      ...o.env,
    };
    s.env = o.fallback
      ? fallbackEnv(s.sshd, s.fallback, s.data, s.tmp, extra)
      : fixtureEnv(s.dir, s.sshd, extra);
    if (dns || o.dnsCheck) delete s.env.MATRIX_OOB_SKIP_DNS_CHECK;
    for (const [k, v] of Object.entries(s.env)) if (v === undefined) delete s.env[k];
  }, 120_000);
  afterAll(async () => {
    o.beforeStop?.();
    await dns?.close();
    await Promise.all([s.sshd?.stop(), s.fallback?.stop()]);
    if (s.dir) rmSync(s.dir, { recursive: true, force: true });
  });
  return s;
}
