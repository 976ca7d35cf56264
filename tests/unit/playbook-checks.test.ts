import { parse } from 'yaml';
import { userCreatorYaml } from '../../src/ansible/extra-vars.js';
import { switchedOff } from '../../src/commands/deploy/components.js';
import { parseChecksOutput, variablesIn } from '../../src/playbook/checks/output.js';
import { checksPlaybook, defaultsOnly, planChecks } from '../../src/playbook/checks/plan.js';
import { FIXTURE_MDAD } from '../helpers/mdad-fixture.js';

describe('the local checks plan', () => {
  it("finds each role's validate_*.yml includes, with their conditions, as a setup run would run them", async () => {
    const plan = await planChecks(FIXTURE_MDAD);
    expect(plan?.hosts).toBe("{{ target if target is defined else 'matrix_servers' }}");
    expect(plan?.roles.map((r) => [r.role, r.checks])).toEqual([
      ['galaxy/playbook_help', []],
      ['custom/matrix_playbook_migration', [{ file: 'validate_migration_version', when: [] }]],
      [
        'custom/fixture_server',
        [{ file: 'validate_config', when: ['fixture_server_enabled | default(true) | bool'] }],
      ],
      ['custom/matrix-user-creator', []],
    ]);
    const play = checksPlaybook(plan!)[0] as {
      gather_facts: boolean;
      become: boolean;
      tasks: Record<string, unknown>[];
    };
    expect(play).toMatchObject({ gather_facts: false, become: false });
    // Only check files are imported (roles without checks give their defaults through
    // group_vars/all); checks never stop at the first failure.
    expect(defaultsOnly(plan!)).toEqual(['galaxy/playbook_help', 'custom/matrix-user-creator']);
    expect(play.tasks).toHaveLength(2);
    expect(play.tasks[1]).toEqual({
      name: 'custom/fixture_server validate_config',
      'ansible.builtin.import_role': { name: 'custom/fixture_server', tasks_from: 'validate_config' },
      when: ['fixture_server_enabled | default(true) | bool'],
      ignore_errors: true,
    });
  });

  it('is undefined for a folder without setup.yml', async () => {
    expect(await planChecks('/nonexistent')).toBeUndefined();
  });
});

describe('reading the checks run', () => {
  const out = [
    'PLAY [checks] ****',
    'TASK [custom/matrix-base : Fail if required variables are undefined] ****',
    'failed: [matrix.a.test] (item={\'var\': \'matrix_architecture\'}) => {"ansible_loop_var": "item", "changed": false, "msg": "The `matrix_architecture` variable must be defined and have a non-null and non-empty value"}',
    'fatal: [matrix.a.test]: FAILED! => {"msg": "One or more items failed"}',
    '...ignoring',
    'TASK [custom/matrix_playbook_migration : Fail if migration version is outdated] ****',
    'fatal: [matrix.b.test]: FAILED! => {"changed": false, "msg": "Your validated migration version (v1) is behind.\\n\\nmatrix_playbook_migration_validated_version: \\"v2\\""}',
    'PLAY RECAP ****',
  ].join('\n');

  it('keeps each failure with its host, task, message and variable; drops the loop summary', () => {
    expect(parseChecksOutput(out, '').failures).toEqual([
      {
        host: 'matrix.a.test',
        task: 'custom/matrix-base : Fail if required variables are undefined',
        message: 'The `matrix_architecture` variable must be defined and have a non-null and non-empty value',
        variables: ['matrix_architecture'],
      },
      {
        host: 'matrix.b.test',
        task: 'custom/matrix_playbook_migration : Fail if migration version is outdated',
        message:
          'Your validated migration version (v1) is behind.\n\nmatrix_playbook_migration_validated_version: "v2"',
        variables: ['matrix_playbook_migration_validated_version'],
      },
    ]);
  });

  it('names an ERROR! line when the playbook could not load', () => {
    expect(parseChecksOutput('', 'ERROR! the role x was not found\n').error).toBe(
      'ERROR! the role x was not found',
    );
  });

  it('prefers the variable the inventory sets, then name: lines, then backticks', () => {
    const msg = 'Please rename all `matrix_postgres`-prefixed variables: matrix_postgres_connection_password';
    expect(variablesIn(msg, new Set(['matrix_postgres_connection_password']))).toEqual([
      'matrix_postgres_connection_password',
    ]);
    expect(variablesIn(msg)).toEqual(['matrix_postgres']);
    expect(variablesIn('plain words only')).toEqual([]);
  });
});

describe('components switched off', () => {
  it('lists the switches that went from true to false since the last setup', () => {
    const before = {
      at: 't',
      tags: [],
      switches: { jitsi_enabled: true, coturn_enabled: true, x_enabled: false },
    };
    expect(switchedOff(before, { jitsi_enabled: false, coturn_enabled: true, x_enabled: false })).toEqual([
      'jitsi_enabled',
    ]);
    expect(switchedOff(before, { x_enabled: true })).toEqual([]);
    expect(switchedOff(undefined, { jitsi_enabled: false })).toEqual([]);
  });
});

describe('the user list for the setup run', () => {
  it('is matrix_user_creator_users_additional with !unsafe passwords that YAML and Jinja keep literally', () => {
    const text = userCreatorYaml([
      { username: 'lead1', password: "it's {{ x }} yes", type: 'admin' },
      { username: 'analyst1', password: 'p', type: 'user' },
    ]);
    expect(text).toBe(
      [
        '---',
        'matrix_user_creator_users_additional:',
        "  - username: 'lead1'",
        "    initial_password: !unsafe 'it''s {{ x }} yes'",
        "    initial_type: 'admin'",
        "  - username: 'analyst1'",
        "    initial_password: !unsafe 'p'",
        "    initial_type: 'user'",
        '',
      ].join('\n'),
    );
    const data = parse(text, { customTags: [{ tag: '!unsafe', resolve: (s: string) => s }] });
    expect(data.matrix_user_creator_users_additional[0].initial_password).toBe("it's {{ x }} yes");
    expect(() => userCreatorYaml([{ username: 'a', password: 'x\ny', type: 'user' }])).toThrow('line break');
  });
});
