import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { userCreatorYaml, withExtraVarsFile, withExtraVarsText } from '../../src/ansible/extra-vars.js';
import { parseListTags } from '../../src/ansible/tags.js';
import { MIGRATION_DEFAULTS, PINNED_MIGRATION_VERSION } from '../../src/playbook/migration.js';
import { REMOVE_ALL_CONFIRMATION } from '../../src/teardown/plan.js';
import { FIXTURE_MDAD, makeFixtureCheckout } from '../helpers/mdad-fixture.js';
import { describeReal, realMdad } from '../helpers/real-mdad.js';

type Task = Record<string, unknown>;
const read = (file: string) => readFileSync(file, 'utf8');

// What matrix-oob hands the real playbook, and the fixture playbook that stands in for it in the
// other tests, checked against the real definitions (../shared/mdad).
describeReal('the real MDAD interface', () => {
  let tmp: string;
  let co: string;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'matrix-oob-contract-if-'));
    co = realMdad().checkout;
  }, 120_000);
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  /** Run `tasks` on localhost (no SSH, nothing installed) with an extra-vars file; exit code and output. */
  function runTasks(tasks: Task[], extraVarsFile: string) {
    const pb = join(tmp, `play-${Math.random().toString(36).slice(2)}.yml`);
    writeFileSync(pb, stringify([{ hosts: 'localhost', gather_facts: false, connection: 'local', tasks }]));
    const r = spawnSync('ansible-playbook', ['-i', 'localhost,', pb, '-e', `@${extraVarsFile}`], {
      encoding: 'utf8',
      env: { ...process.env, ANSIBLE_NOCOLOR: '1', ANSIBLE_CALLBACK_RESULT_FORMAT: 'json' },
    });
    return { code: r.status, out: `${r.stdout}${r.stderr}` };
  }

  /** The argument checks of a real task file: its fail tasks about --extra-vars. */
  function argumentChecks(file: string): Task[] {
    const tasks = parse(read(join(co, file))) as Task[];
    const checks = tasks.filter(
      (t) =>
        'ansible.builtin.fail' in t && /--extra-vars/.test(String((t['ansible.builtin.fail'] as Task).msg)),
    );
    expect(checks.length).toBeGreaterThan(0);
    return checks;
  }

  it("user add's register-user extra-vars file passes the real argument checks (synapse, dendrite, MAS)", async () => {
    const password = `it's a "pass" {{ word }} with spaces`;
    for (const file of [
      'roles/custom/matrix-synapse/tasks/register_user.yml',
      'roles/custom/matrix-dendrite/tasks/register_user.yml',
      'roles/custom/matrix-authentication-service/tasks/register_user.yml',
    ]) {
      const checks = argumentChecks(file);
      for (const admin of ['yes', 'no']) {
        const ok = await withExtraVarsFile(
          { username: 'analyst1', password, admin },
          ['password'],
          async (f) => runTasks(checks, f),
        );
        expect({ file, admin, code: ok.code, out: ok.code === 0 ? '' : ok.out }).toEqual({
          file,
          admin,
          code: 0,
          out: '',
        });
      }
    }
    // The control: an unquoted yes is a boolean, which MDAD's check refuses.
    const bad = join(tmp, 'bad.yml');
    writeFileSync(bad, "username: 'a'\npassword: 'p'\nadmin: yes\n");
    const r = runTasks(argumentChecks('roles/custom/matrix-synapse/tasks/register_user.yml'), bad);
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('The `admin` variable needs to be provided to this playbook, via --extra-vars');
  }, 120_000);

  it("user add --reset's extra-vars file passes the real update-user-password checks", async () => {
    const checks = argumentChecks('roles/custom/matrix-synapse/tasks/update_user_password.yml');
    const r = await withExtraVarsFile(
      { username: 'analyst1', password: 'a {{ b }} c' },
      ['password'],
      async (f) => runTasks(checks, f),
    );
    expect(r.code).toBe(0);
  }, 60_000);

  it("the setup run's user list passes the real matrix-user-creator checks, and the role reads that variable", async () => {
    const role = join(co, 'roles/custom/matrix-user-creator');
    expect(parse(read(join(role, 'defaults/main.yml')))).toMatchObject({
      matrix_user_creator_users_additional: [],
    });
    expect(read(join(role, 'vars/main.yml'))).toContain('matrix_user_creator_users_additional');
    expect(read(join(role, 'tasks/main.yml'))).toContain('ensure-matrix-users-created');
    // A homeserver task file for each homeserver matrix-oob lets the role create users on.
    const util = readdirSync(join(role, 'tasks/util'));
    for (const hs of ['synapse', 'dendrite', 'conduit', 'continuwuity'])
      expect(util).toContain(`ensure_user_registered_${hs}.yml`);
    const validate = [
      {
        'ansible.builtin.include_tasks': join(role, 'tasks/util/validate_user.yml'),
        loop: '{{ matrix_user_creator_users_additional }}',
        loop_control: { loop_var: 'user' },
      },
    ];
    const users = [
      { username: 'lead1', password: `x'y"z {{ q }} {% r %}`, type: 'admin' as const },
      { username: 'analyst1', password: 'p'.repeat(64), type: 'user' as const },
    ];
    const ok = await withExtraVarsText(userCreatorYaml(users), async (f) => runTasks(validate, f));
    expect({ code: ok.code, out: ok.code === 0 ? '' : ok.out }).toEqual({ code: 0, out: '' });
    const bad = await withExtraVarsText(
      userCreatorYaml([{ username: 'a', password: 'p', type: 'root' as 'user' }]),
      async (f) => runTasks(validate, f),
    );
    expect(bad.code).not.toBe(0);
    expect(bad.out).toContain('User initial_type `root` is not supported');
  }, 60_000);

  it("teardown's confirmation line is the one in the real remove-all template", () => {
    const template = read(join(co, 'roles/custom/matrix-base/templates/bin/remove-all.j2'));
    const m = /if \[ "\$sure" != "([^"]+)" \]/.exec(template);
    expect(m?.[1]).toBe(REMOVE_ALL_CONFIRMATION);
  });

  it("the fixture playbook's interface matches the real one (play, tags, variables, migration, user creation)", () => {
    const realPlay = (parse(read(join(co, 'setup.yml'))) as Task[])[0]!;
    const fixturePlay = (parse(read(join(FIXTURE_MDAD, 'setup.yml'))) as Task[])[0]!;
    expect(fixturePlay.hosts).toBe(realPlay.hosts);
    expect(fixturePlay.become).toBe(realPlay.become);
    // Tags: the fixture defines none that the real playbook lacks.
    const tagsOf = (dir: string) =>
      parseListTags(
        execFileSync('ansible-playbook', ['-i', 'localhost,', 'setup.yml', '--list-tags'], {
          cwd: dir,
          encoding: 'utf8',
        }),
      );
    const real = tagsOf(co);
    const fixture = makeFixtureCheckout(join(tmp, 'fixture'));
    const fixtureTags = tagsOf(fixture);
    expect(fixtureTags.size).toBeGreaterThan(8);
    expect([...fixtureTags].filter((t) => !real.has(t))).toEqual([]);
    // Migration: same file, same variables, same expected version as the pin.
    const rd = parse(read(join(co, MIGRATION_DEFAULTS)));
    const fd = parse(read(join(FIXTURE_MDAD, MIGRATION_DEFAULTS)));
    expect(rd.matrix_playbook_migration_expected_version).toBe(PINNED_MIGRATION_VERSION);
    expect(fd.matrix_playbook_migration_expected_version).toBe(PINNED_MIGRATION_VERSION);
    for (const c of [
      ...rd.matrix_playbook_migration_breaking_changes,
      ...fd.matrix_playbook_migration_breaking_changes,
    ])
      expect(Object.keys(c).sort()).toEqual(['changelog_url', 'summary', 'version']);
    expect(read(join(co, 'roles/custom/matrix_playbook_migration/tasks/main.yml'))).toContain(
      'tasks/validate_migration_version.yml',
    );
    // Every playbook variable the fixture reads is one the real playbook defines (or retires).
    const known = new Set<string>();
    const scan = (text: string) => {
      for (const m of text.matchAll(/^([a-z][a-z0-9_]*):/gm)) known.add(m[1]!);
      for (const m of text.matchAll(/['"]?old['"]?:\s*['"]?([a-z0-9_]+)/g)) known.add(m[1]!);
    };
    scan(read(join(co, 'group_vars/matrix_servers')));
    for (const kind of ['custom', 'galaxy'])
      for (const r of readdirSync(join(co, 'roles', kind)))
        for (const f of ['defaults/main.yml', 'tasks/validate_config.yml'])
          try {
            scan(read(join(co, 'roles', kind, r, f)));
          } catch {
            // absent
          }
    const fixtureText = execFileSync(
      'sh',
      ['-c', `find ${FIXTURE_MDAD}/roles -name '*.yml' -exec cat {} +`],
      {
        encoding: 'utf8',
      },
    );
    const read_ = new Set(
      [...fixtureText.matchAll(/\b((?:matrix|postgres|devture|jitsi|coturn|traefik)_[a-z0-9_]+)\b/g)].map(
        (m) => m[1]!,
      ),
    );
    expect(read_.size).toBeGreaterThan(5);
    // MDAD retires whole families by prefix (e.g. matrix_postgres_*, matrix_coturn_*): a fixture
    // check of such a name counts when the real migration checks name its prefix.
    const migrationChecks = read(
      join(co, 'roles/custom/matrix_playbook_migration/tasks/validate_config.yml'),
    );
    const retiredByPrefix = (v: string) =>
      v
        .split('_')
        .map((_, i, parts) => parts.slice(0, i + 1).join('_'))
        .filter((p) => p.split('_').length >= 2)
        .some((p) => migrationChecks.includes(`${p}_`) || migrationChecks.includes(`\`${p}\``));
    expect([...read_].filter((v) => !known.has(v) && !retiredByPrefix(v))).toEqual([]);
    // User creation: same variables, same argument-check messages.
    const msgs = (file: string) =>
      (parse(read(file)) as Task[]).map((t) => String((t['ansible.builtin.fail'] as Task).msg));
    const realMsgs = msgs(join(co, 'roles/custom/matrix-user-creator/tasks/util/validate_user.yml'));
    const fixtureMsgs = msgs(
      join(FIXTURE_MDAD, 'roles/custom/matrix-user-creator/tasks/util/validate_user.yml'),
    );
    expect(fixtureMsgs).toEqual(realMsgs);
    const roleFile = (base: string, f: string) =>
      parse(read(join(base, 'roles/custom/matrix-user-creator', f))) as Record<string, unknown>;
    expect(roleFile(FIXTURE_MDAD, 'vars/main.yml').matrix_user_creator_users).toBe(
      roleFile(co, 'vars/main.yml').matrix_user_creator_users,
    );
    const realDefaults = Object.keys(roleFile(co, 'defaults/main.yml'));
    expect(
      Object.keys(roleFile(FIXTURE_MDAD, 'defaults/main.yml')).filter((k) => !realDefaults.includes(k)),
    ).toEqual([]);
  }, 120_000);
});
