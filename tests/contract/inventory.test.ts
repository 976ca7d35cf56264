import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { capture } from '../../src/adapters/process.js';
import { listTagsNow, USER_TAGS } from '../../src/ansible/tags.js';
import { deployStages } from '../../src/commands/deploy/stages.js';
import { runLocalChecks } from '../../src/playbook/checks/run.js';
import { PINNED_MIGRATION_VERSION } from '../../src/playbook/migration.js';
import { STOP_TAG } from '../../src/teardown/server.js';
import { describeReal, realMdad } from '../helpers/real-mdad.js';
import { VARIANTS, type VariantCase, varsKeys, writeVariantCases } from './variants.js';

/** Every tag matrix-oob runs: deploy's stages (install-all or setup-all), user add, teardown. */
const TAGS_MATRIX_OOB_RUNS = [
  ...new Set([
    ...deployStages({ full: false }).flatMap((s) => s.tags),
    ...deployStages({ full: true }).flatMap((s) => s.tags),
    ...Object.values(USER_TAGS),
    STOP_TAG,
  ]),
];

// The inventories `matrix-oob init` writes, checked against the real playbook (../shared/mdad).
describeReal('the real MDAD accepts every inventory matrix-oob writes', () => {
  let tmp: string;
  let checkout: string;
  let cases: VariantCase[];
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'matrix-oob-contract-inv-'));
    checkout = realMdad().checkout;
    cases = writeVariantCases(join(tmp, 'cases'));
  }, 120_000);
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it(`every tag matrix-oob runs is in the real --list-tags, for each variant (${Object.keys(VARIANTS).join(', ')})`, async () => {
    for (const c of cases) {
      const tags = await listTagsNow({
        checkout,
        inventory: c.hosts,
        playbook: 'setup.yml',
        env: process.env,
        capture,
      });
      expect(tags.size).toBeGreaterThan(100);
      expect({ variant: c.name, missing: TAGS_MATRIX_OOB_RUNS.filter((t) => !tags.has(t)) }).toEqual({
        variant: c.name,
        missing: [],
      });
    }
  }, 120_000);

  it("every variable the templates write is defined by the real roles' defaults or group_vars, and none is renamed or removed", () => {
    const defined = new Set<string>();
    const scan = (file: string) => {
      for (const m of readFileSync(file, 'utf8').matchAll(/^([A-Za-z_][A-Za-z0-9_]*):/gm)) defined.add(m[1]!);
    };
    scan(join(checkout, 'group_vars', 'matrix_servers'));
    const retired = new Set<string>();
    for (const kind of ['custom', 'galaxy']) {
      for (const role of readdirSync(join(checkout, 'roles', kind))) {
        try {
          scan(join(checkout, 'roles', kind, role, 'defaults', 'main.yml'));
        } catch {
          // a role without defaults
        }
        try {
          const text = readFileSync(
            join(checkout, 'roles', kind, role, 'tasks', 'validate_config.yml'),
            'utf8',
          );
          // MDAD lists renamed and removed variables as {'old': name, 'new': ...}.
          for (const m of text.matchAll(/['"]?old['"]?:\s*['"]?([a-z0-9_]+)['"]?/g)) retired.add(m[1]!);
        } catch {
          // a role without checks
        }
      }
    }
    expect(defined.size).toBeGreaterThan(1000);
    expect(retired.size).toBeGreaterThan(50);
    for (const c of cases) {
      const keys = varsKeys(c.vars);
      expect(keys.length).toBeGreaterThan(5);
      expect({ variant: c.name, undefinedInMdad: keys.filter((k) => !defined.has(k)) }).toEqual({
        variant: c.name,
        undefinedInMdad: [],
      });
      expect({ variant: c.name, retired: keys.filter((k) => retired.has(k)) }).toEqual({
        variant: c.name,
        retired: [],
      });
    }
  });

  // The checks the way `doctor` runs them: one variant's own case inventory at a time.
  it.each(Object.keys(VARIANTS))(
    "variant %s passes the real playbook's own checks, run locally without SSH",
    async (name) => {
      const c = cases.find((x) => x.name === name)!;
      const r = await runLocalChecks({ checkout, inventory: c.hosts, capture, env: process.env });
      expect(r.checks).toBeGreaterThan(50);
      expect({ status: r.status, failures: r.failures, error: r.error }).toEqual({
        status: 'pass',
        failures: [],
        error: undefined,
      });
    },
    900_000,
  );

  it("a broken inventory fails the real checks with MDAD's message and the variable to fix", async () => {
    // Two broken hosts in one inventory: a renamed variable, an outdated migration version.
    const inv = join(tmp, 'broken');
    mkdirSync(join(inv, 'host_vars'), { recursive: true });
    const synapse = cases.find((c) => c.name === 'synapse')!;
    const lines = ['[matrix_servers]'];
    const broken = (host: string, edit: (text: string) => string) => {
      lines.push(`${host} ansible_host=203.0.113.10 ansible_ssh_user=root`);
      mkdirSync(join(inv, 'host_vars', host));
      writeFileSync(join(inv, 'host_vars', host, 'vars.yml'), edit(readFileSync(synapse.vars, 'utf8')));
    };
    broken('matrix.renamed.example.com', (t) => `${t}\nmatrix_postgres_connection_password: 'x'\n`);
    broken('matrix.outdated.example.com', (t) =>
      t.replace(
        `matrix_playbook_migration_validated_version: ${JSON.stringify(PINNED_MIGRATION_VERSION)}`,
        'matrix_playbook_migration_validated_version: "v2026.04.02.0"',
      ),
    );
    writeFileSync(join(inv, 'hosts'), `${lines.join('\n')}\n`);
    const r = await runLocalChecks({ checkout, inventory: join(inv, 'hosts'), capture, env: process.env });
    expect(r.status).toBe('fail');
    const byHost = (h: string) => r.failures.filter((f) => f.host === h);
    expect(byHost('matrix.renamed.example.com')).toEqual([
      expect.objectContaining({
        task: 'custom/matrix_playbook_migration : (Deprecation) Catch and report matrix_postgres variables',
        message: expect.stringContaining(
          'The following variables in your configuration need to be renamed: matrix_postgres_connection_password',
        ),
        variables: ['matrix_postgres_connection_password'],
      }),
    ]);
    expect(byHost('matrix.outdated.example.com')).toEqual([
      expect.objectContaining({
        task: 'custom/matrix_playbook_migration : Fail if migration version is outdated',
        message: expect.stringContaining(
          `Your validated migration version (v2026.04.02.0) is behind the expected version (${PINNED_MIGRATION_VERSION}).`,
        ),
        variables: ['matrix_playbook_migration_validated_version'],
      }),
    ]);
  }, 900_000);
});
