import { failedHosts, hasOwnLimit, limitArgs, resumeLimit } from '../../src/ansible/host-limit.js';
import type { DeployState, StageRecord } from '../../src/case/state.js';

const counts = (failed: number, unreachable = 0) => ({
  ok: 3,
  changed: 1,
  unreachable,
  failed,
  skipped: 0,
  rescued: 0,
  ignored: 0,
});

const TAGS = ['install-all', 'ensure-matrix-users-created'];
function state(record: Partial<StageRecord>): DeployState {
  return {
    version: 1,
    deploy: {
      plan: ['setup', 'start'],
      started_at: '2026-01-01T00:00:00Z',
      stages: { setup: { status: 'failed', at: 'x', tags: TAGS, exit_code: 2, ...record } },
    },
  };
}

describe('several servers: failed hosts and the resume --limit', () => {
  it('reads failed and unreachable hosts from the recap', () => {
    expect(failedHosts({ 'matrix.a': counts(0), 'matrix.b': counts(1), 'matrix.c': counts(0, 1) })).toEqual([
      'matrix.b',
      'matrix.c',
    ]);
    expect(failedHosts({})).toEqual([]);
  });

  it('limits the first resumed stage to the hosts it failed on', () => {
    const s = state({ failed_hosts: ['matrix.b'], hosts: 2 });
    expect(resumeLimit(s, 'setup', true, [], TAGS)).toEqual(['matrix.b']);
    expect(limitArgs(['matrix.b', 'matrix.c'])).toEqual(['--limit', 'matrix.b,matrix.c']);
    expect(limitArgs(undefined)).toEqual([]);
  });

  it('runs on every host otherwise', () => {
    const s = state({ failed_hosts: ['matrix.b'], hosts: 2 });
    expect(resumeLimit(s, 'setup', false, [], TAGS)).toBeUndefined(); // not the first stage
    expect(resumeLimit(s, 'setup', true, ['--limit', 'matrix.a'], TAGS)).toBeUndefined(); // operator's own
    expect(resumeLimit(s, 'setup', true, ['-lmatrix.a'], TAGS)).toBeUndefined();
    expect(resumeLimit(s, 'setup', true, [], ['setup-all', 'ensure-matrix-users-created'])).toBeUndefined();
    expect(
      resumeLimit(state({ status: 'interrupted', failed_hosts: ['matrix.b'] }), 'setup', true, [], TAGS),
    ).toBeUndefined();
    expect(
      resumeLimit(state({ failed_hosts: ['matrix.a', 'matrix.b'], hosts: 2 }), 'setup', true, [], TAGS),
    ).toBeUndefined();
    expect(resumeLimit(state({}), 'setup', true, [], TAGS)).toBeUndefined(); // no recap: unknown
    expect(resumeLimit({ version: 1, deploy: null }, 'setup', true, [], TAGS)).toBeUndefined();
  });

  it('stays limited when a limited resume fails again on the same host', () => {
    const s = state({ failed_hosts: ['matrix.b'], hosts: 1, limit: ['matrix.b'] });
    expect(resumeLimit(s, 'setup', true, [], TAGS)).toEqual(['matrix.b']);
  });

  it('recognises the forms of an operator --limit', () => {
    expect(hasOwnLimit(['--limit=matrix.a'])).toBe(true);
    expect(hasOwnLimit(['-l', 'matrix.a'])).toBe(true);
    expect(hasOwnLimit(['-v', '--check'])).toBe(false);
  });
});
