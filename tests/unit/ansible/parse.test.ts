import { failureMessage, ProgressTracker } from '../../../src/ansible/progress.js';
import { parseRecapLine, RecapParser } from '../../../src/ansible/recap.js';
import { assertTags, parseListTags } from '../../../src/ansible/tags.js';
import { UserError } from '../../../src/errors.js';

describe('recap', () => {
  it('parses the per-host counts after PLAY RECAP', () => {
    const p = new RecapParser();
    for (const l of [
      'TASK [x] ***',
      'ok: [matrix.example.test]',
      '',
      'PLAY RECAP *********************************************************************',
      'matrix.example.test        : ok=7    changed=4    unreachable=0    failed=1    skipped=6    rescued=0    ignored=0   ',
      'other.example.test         : ok=1    changed=0    unreachable=1    failed=0    skipped=0    rescued=0    ignored=0',
      '',
    ])
      p.feed(l);
    expect(p.recap['matrix.example.test']).toEqual({
      ok: 7,
      changed: 4,
      unreachable: 0,
      failed: 1,
      skipped: 6,
      rescued: 0,
      ignored: 0,
    });
    expect(p.recap['other.example.test']?.unreachable).toBe(1);
  });
  it('ignores lines that look alike outside the recap', () => {
    const p = new RecapParser();
    p.feed('host : ok=1 changed=2');
    expect(p.found).toBe(false);
    expect(parseRecapLine('not a recap')).toBeUndefined();
  });
});

describe('failure summary', () => {
  const feed = (lines: string[]) => {
    const t = new ProgressTracker();
    for (const l of lines) t.feed(l);
    t.end();
    return t;
  };
  it('takes the task and msg from YAML-formatted results', () => {
    const t = feed([
      'TASK [custom/fixture_server : Fail the start step when asked to] ***************',
      'fatal: [matrix.example.test]: FAILED! => ',
      '    changed: false',
      '    msg: Fixture start failure',
      '',
      'PLAY RECAP ****',
    ]);
    expect(t.failure).toEqual({
      task: 'custom/fixture_server : Fail the start step when asked to',
      host: 'matrix.example.test',
      kind: 'failed',
      message: 'Fixture start failure',
    });
    expect(t.tasksStarted).toBe(1);
  });
  it('takes msg and stderr from JSON results', () => {
    const t = feed([
      'TASK [Register] ***',
      'fatal: [h]: FAILED! => {"changed": true, "msg": "non-zero return code", "stderr": "User ID already taken"}',
    ]);
    expect(t.failure?.message).toBe('non-zero return code\nUser ID already taken');
  });
  it('reports unreachable hosts', () => {
    const t = feed([
      'TASK [Gathering Facts] ***',
      'fatal: [h]: UNREACHABLE! => {"changed": false, "msg": "Failed to connect to the host via ssh: Host key verification failed.", "unreachable": true}',
    ]);
    expect(t.failure?.kind).toBe('unreachable');
    expect(t.failure?.message).toContain('Host key verification failed');
  });
  it('reports ERROR! lines (e.g. a missing role) when no task failed', () => {
    const t = feed(["ERROR! the role 'galaxy/playbook_help' was not found in /x"]);
    expect(t.failure).toMatchObject({
      kind: 'error',
      message: "the role 'galaxy/playbook_help' was not found in /x",
    });
  });
  it('keeps a multi-line YAML message', () => {
    expect(failureMessage('', ['    msg: |-', '      line one', '      line two'])).toBe(
      'line one\nline two',
    );
  });
});

describe('tags', () => {
  const listing = `
playbook: setup.yml

  play #1 (matrix_servers): Set up a Matrix server\tTAGS: []
      TASK TAGS: [always, ensure-matrix-users-created, install-all, register-user, start]
`;
  it('parses --list-tags output', () => {
    expect([...parseListTags(listing)].sort()).toEqual([
      'always',
      'ensure-matrix-users-created',
      'install-all',
      'register-user',
      'start',
    ]);
  });
  it('refuses a missing tag and lists the ones that exist', () => {
    const tags = parseListTags(listing);
    expect(() => assertTags(['install-all', 'start'], tags, '/co')).not.toThrow();
    let err: unknown;
    try {
      assertTags(['setup-main'], tags, '/co');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toBe('the playbook in /co has no tag "setup-main"; nothing was run');
    expect((err as UserError).details[0]).toContain('install-all');
  });
});
