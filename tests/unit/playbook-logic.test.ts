import { parseVars, setTopLevelString, VarsSyntaxError } from '../../src/inventory/vars-file.js';
import { parseRequirements, roleName } from '../../src/playbook/galaxy-roles.js';
import { changesSince, migrationState, PINNED_MIGRATION_VERSION } from '../../src/playbook/migration.js';
import {
  chooseSource,
  DEFAULT_REPO,
  displayUrl,
  isFullCommit,
  PINNED_COMMIT,
} from '../../src/playbook/pin.js';
import { compareVersions, looksLikeVersion } from '../../src/util/version-compare.js';

describe('compareVersions', () => {
  it.each([
    ['2.14.18', '2.15.1', -1],
    ['2.15.1', '2.15.1', 0],
    ['2.16.0', '2.15.10', 1],
    ['2.15', '2.15.0', 0],
    ['v2026.05.18.0', 'v2026.02.10.0', 1],
    ['v2026.05.18.0', 'v2026.05.18.1', -1],
    ['3.10.0', '3.6.0', 1],
  ])('%s vs %s', (a, b, sign) => {
    expect(Math.sign(compareVersions(a, b))).toBe(sign);
  });
  it('knows what a version looks like', () => {
    expect(looksLikeVersion('2.15.1')).toBe(true);
    expect(looksLikeVersion('v2026.05.18.0')).toBe(true);
    expect(looksLikeVersion('latest')).toBe(false);
    expect(looksLikeVersion('')).toBe(false);
  });
});

describe('migration state', () => {
  const migration = {
    expectedVersion: 'v2026.05.18.0',
    breakingChanges: [
      { version: 'v2026.02.10.0', summary: 'a' },
      { version: 'v2026.05.18.0', summary: 'b' },
      { version: 'v2026.09.01.0', summary: 'future, not expected yet' },
    ],
  };
  it('lists only the changes after the validated version up to the expected one', () => {
    expect(changesSince(migration, 'v2026.02.10.0').map((c) => c.summary)).toEqual(['b']);
    expect(changesSince(migration, undefined).map((c) => c.summary)).toEqual(['a', 'b']);
    expect(changesSince(migration, 'v2026.05.18.0')).toEqual([]);
  });
  it('classifies', () => {
    expect(migrationState(undefined, 'v1')).toBe('missing');
    expect(migrationState('v2026.01.01.0', 'v2026.05.18.0')).toBe('older');
    expect(migrationState('v2026.05.18.0', 'v2026.05.18.0')).toBe('current');
    expect(migrationState('v2026.06.01.0', 'v2026.05.18.0')).toBe('newer');
  });
});

describe('the pin', () => {
  it('is a full 40-hex commit (MDAD has no tags), and its migration version is a separate label', () => {
    expect(PINNED_COMMIT).toMatch(/^[0-9a-f]{40}$/);
    expect(isFullCommit(PINNED_COMMIT)).toBe(true);
    expect(isFullCommit('v2026.05.18.0')).toBe(false);
    expect(isFullCommit('master')).toBe(false);
    expect(isFullCommit(PINNED_COMMIT.slice(0, 12))).toBe(false);
    expect(looksLikeVersion(PINNED_MIGRATION_VERSION)).toBe(true);
  });
});

describe('chooseSource', () => {
  it('prefers the flag, then the config, then the env, then the pin', () => {
    expect(chooseSource({}, undefined, {})).toEqual({
      repo: DEFAULT_REPO,
      ref: PINNED_COMMIT,
      refFrom: 'pin',
    });
    expect(chooseSource({}, undefined, { MATRIX_OOB_PLAYBOOK_REF: 'x' }).ref).toBe('x');
    expect(chooseSource({}, { ref: 'c', repo: 'r' }, { MATRIX_OOB_PLAYBOOK_REF: 'x' })).toEqual({
      repo: 'r',
      ref: 'c',
      refFrom: 'config',
    });
    expect(chooseSource({ ref: 'f', repo: 'fr' }, { ref: 'c', repo: 'r' }, {})).toEqual({
      repo: 'fr',
      ref: 'f',
      refFrom: 'flag',
    });
  });
});

describe('requirements.yml', () => {
  it('derives role names the way ansible-galaxy does', () => {
    expect(
      roleName({
        src: 'git+https://github.com/devture/com.devture.ansible.role.playbook_help.git',
        name: 'playbook_help',
      }),
    ).toBe('playbook_help');
    expect(roleName({ src: 'git+https://github.com/geerlingguy/ansible-role-docker.git' })).toBe(
      'ansible-role-docker',
    );
    expect(roleName({ src: '/tmp/x/playbook_help.tar.gz' })).toBe('playbook_help');
    expect(roleName({ src: 'geerlingguy.docker' })).toBe('geerlingguy.docker');
  });
  it('reads a list or a roles: mapping', () => {
    expect(parseRequirements('- src: a.git\n  version: v1\n- src: b\n  name: bee\n')).toEqual([
      { name: 'a', version: 'v1' },
      { name: 'bee' },
    ]);
    expect(parseRequirements('roles:\n  - name: r\n    src: x\ncollections: []\n')).toEqual([{ name: 'r' }]);
  });
});

describe('setTopLevelString (vars.yml edits)', () => {
  const key = 'matrix_playbook_migration_validated_version';
  const secretLine = "matrix_homeserver_generic_secret_key: 'abc''def{{ x }}'   # keep me\n";

  it('replaces only the value bytes, keeping quotes, comments and secrets', () => {
    const text = `---\n# head\n${key}: "v2026.02.10.0"  # old\n${secretLine}`;
    expect(setTopLevelString(text, key, 'v2026.05.18.0')).toBe(
      `---\n# head\n${key}: "v2026.05.18.0"  # old\n${secretLine}`,
    );
    const single = `${key}: 'v1'\n${secretLine}`;
    expect(setTopLevelString(single, key, 'v2')).toBe(`${key}: 'v2'\n${secretLine}`);
    const plain = `${secretLine}${key}: v1\nother: 1\n`;
    expect(setTopLevelString(plain, key, 'v2')).toBe(`${secretLine}${key}: v2\nother: 1\n`);
  });

  it('fills an empty value and appends a missing key', () => {
    expect(setTopLevelString(`${key}:\nother: 1\n`, key, 'v2')).toBe(`${key}: v2\nother: 1\n`);
    expect(setTopLevelString(`${key}: ''\n`, key, 'v2')).toBe(`${key}: 'v2'\n`);
    expect(setTopLevelString(secretLine.trimEnd(), key, 'v2')).toBe(`${secretLine}${key}: v2\n`);
    expect(setTopLevelString('', key, 'v2')).toBe(`${key}: v2\n`);
  });

  it('keeps Ansible !unsafe values', () => {
    const text = `password: !unsafe '{{ not a template }}'\n${key}: v1\n`;
    const out = setTopLevelString(text, key, 'v2');
    expect(out).toBe(`password: !unsafe '{{ not a template }}'\n${key}: v2\n`);
    expect(parseVars(out).data?.password).toBe('{{ not a template }}');
  });

  it('reports syntax errors by position only (no file content)', () => {
    const secret = 'VerySecretValue123456';
    try {
      parseVars(`a: 1\nb: '${secret}\n`);
      throw new Error('no error');
    } catch (err) {
      expect(err).toBeInstanceOf(VarsSyntaxError);
      expect((err as Error).message).toMatch(/^is not valid YAML \(line \d+, column \d+\)$/);
      expect((err as Error).message).not.toContain(secret);
    }
  });

  it('refuses values that would need quoting', () => {
    expect(() => setTopLevelString(`${key}: v1\n`, key, "v1' #")).toThrow();
  });
});

describe('displayUrl', () => {
  it('masks credentials in repository URLs and leaves others alone', () => {
    expect(displayUrl('https://user:ghp_token@github.com/x/y.git')).toBe('https://***@github.com/x/y.git');
    expect(displayUrl('https://token@example.com/y.git')).toBe('https://***@example.com/y.git');
    expect(displayUrl(DEFAULT_REPO)).toBe(DEFAULT_REPO);
    expect(displayUrl('git@github.com:spantaleev/matrix-docker-ansible-deploy.git')).toBe(
      'git@github.com:spantaleev/matrix-docker-ansible-deploy.git',
    );
    expect(displayUrl('file:///tmp/repo')).toBe('file:///tmp/repo');
  });
});
