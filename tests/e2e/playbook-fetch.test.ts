import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { PINNED_COMMIT } from '../../src/playbook/pin.js';
import { writeHandCase } from '../helpers/case.js';
import { runCli as cli } from '../helpers/cli.js';
import { makeFixtureRepo } from '../helpers/mdad-repo.js';

// `matrix-oob playbook fetch` with real git and real ansible-galaxy against a local repository.
describe('playbook fetch', () => {
  let tmp: string;
  let repo: ReturnType<typeof makeFixtureRepo>;
  const git = (dir: string, ...args: string[]) =>
    execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8' }).trim();
  const head = (dir: string) => git(dir, 'rev-parse', 'HEAD');

  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'matrix-oob-fetch-'));
    repo = makeFixtureRepo(join(tmp, 'mdad.git'));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('clones at a ref, installs the galaxy roles and records the checkout, keeping comments', async () => {
    const { root } = writeHandCase(join(tmp, 'case-a'));
    const r = await cli([
      '--case',
      root,
      '--json',
      'playbook',
      'fetch',
      '--repo',
      repo.url,
      '--ref',
      repo.commits[0],
    ]);
    expect(r.stderr).toContain('[1/3] cloning');
    expect(r.stderr).toContain('[3/3] installing 1 galaxy role');
    expect(r.exitCode).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({
      path: join(root, 'playbook'),
      repo: repo.url,
      ref: repo.commits[0],
      cloned: true,
      roles: 1,
    });
    expect(head(join(root, 'playbook'))).toBe(repo.commits[0]);
    expect(existsSync(join(root, 'playbook/roles/galaxy/playbook_help/tasks/main.yml'))).toBe(true);
    const text = readFileSync(join(root, 'matrix-oob.yml'), 'utf8');
    expect(text).toContain('# Case for tests: comments must survive edits.');
    expect(text).toContain('# base domain');
    expect(parse(text)).toMatchObject({
      domain: 'example.test',
      server: { address: '127.0.0.1' },
      playbook: { path: 'playbook', repo: repo.url, ref: repo.commits[0] },
    });
    expect(statSync(join(root, 'matrix-oob.yml')).mode & 0o777).toBe(0o600);
    const journal = readFileSync(join(root, 'journal.jsonl'), 'utf8');
    expect(journal).toContain('"command":"playbook fetch","result":"ok"');
  });

  it('updates an existing checkout to a branch, and uses the recorded ref by default', async () => {
    const { root } = writeHandCase(join(tmp, 'case-b'));
    expect(
      (await cli(['--case', root, 'playbook', 'fetch', '--repo', repo.url, '--ref', repo.commits[0]]))
        .exitCode,
    ).toBe(0);
    // The checkout is shallow: one commit, no tags.
    expect(git(join(root, 'playbook'), 'rev-parse', '--is-shallow-repository')).toBe('true');
    expect(git(join(root, 'playbook'), 'rev-list', '--count', 'HEAD')).toBe('1');
    expect(git(join(root, 'playbook'), 'tag', '--list')).toBe('');
    const r = await cli(['--case', root, 'playbook', 'fetch', '--ref', 'master']);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain('[1/3] fetching master');
    expect(r.stderr).toMatch(/checking out master \([0-9a-f]{12}\), was [0-9a-f]{12}/);
    expect(head(join(root, 'playbook'))).toBe(repo.commits[1]);
    expect(parse(readFileSync(join(root, 'matrix-oob.yml'), 'utf8')).playbook.ref).toBe('master');
    // No --repo/--ref: the recorded repo and ref are used (and a note says it is not the pin).
    const again = await cli(['--case', root, 'playbook', 'fetch']);
    expect(again.exitCode).toBe(0);
    expect(again.stderr).toContain(`using playbook.ref master from matrix-oob.yml`);
    expect(again.stderr).toContain(`tested with ${PINNED_COMMIT}`);
    expect(head(join(root, 'playbook'))).toBe(repo.commits[1]);
    // An abbreviated commit id is found among the branches' history.
    const short = await cli(['--case', root, 'playbook', 'fetch', '--ref', repo.commits[0].slice(0, 10)]);
    expect(short.exitCode).toBe(0);
    expect(head(join(root, 'playbook'))).toBe(repo.commits[0]);
  });

  it('refuses to update a checkout with local modifications, and changes nothing', async () => {
    const { root } = writeHandCase(join(tmp, 'case-c'));
    expect(
      (await cli(['--case', root, 'playbook', 'fetch', '--repo', repo.url, '--ref', repo.commits[0]]))
        .exitCode,
    ).toBe(0);
    appendFileSync(join(root, 'playbook/setup.yml'), '# local edit\n');
    const configBefore = readFileSync(join(root, 'matrix-oob.yml'), 'utf8');
    const r = await cli(['--case', root, 'playbook', 'fetch', '--ref', repo.commits[1]]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('has local modifications');
    expect(r.stderr).toContain('M setup.yml');
    expect(r.stderr).toMatch(/hint: .*git -C .* stash/);
    expect(head(join(root, 'playbook'))).toBe(repo.commits[0]);
    expect(readFileSync(join(root, 'matrix-oob.yml'), 'utf8')).toBe(configBefore);
  });

  it('names a missing ref and leaves no half clone behind', async () => {
    const { root } = writeHandCase(join(tmp, 'case-d'));
    const r = await cli(['--case', root, 'playbook', 'fetch', '--repo', repo.url, '--ref', 'v9999.01.01.0']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('revision "v9999.01.01.0" not found');
    expect(r.stderr).toContain('git ls-remote --heads');
    expect(r.stderr).not.toMatch(/\btags?\b/);
    expect(existsSync(join(root, 'playbook'))).toBe(false);
    expect(readFileSync(join(root, 'matrix-oob.yml'), 'utf8')).not.toContain('playbook:');
  });

  it('refuses a folder that is not a checkout, and option-like values', async () => {
    const { root } = writeHandCase(join(tmp, 'case-e'));
    writeFileSync(join(tmp, 'not-a-checkout.txt'), 'x');
    const notRepo = join(tmp, 'plain');
    execFileSync('mkdir', ['-p', notRepo]);
    writeFileSync(join(notRepo, 'file'), 'x');
    const r = await cli(['--case', root, 'playbook', 'fetch', '--repo', repo.url, '--dir', notRepo]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('is not a git checkout of the playbook');
    const bad = await cli(['--case', root, 'playbook', 'fetch', '--repo=--upload-pack=touch /tmp/pwned']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('--repo');
  });

  it('without a case, needs --dir and then records nothing', async () => {
    const empty = mkdtempSync(join(tmp, 'nocase-'));
    const r = await cli(['--case', empty, 'playbook', 'fetch', '--repo', repo.url]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('matrix-oob.yml is missing');
    const ok = await cli([
      '--case',
      empty,
      'playbook',
      'fetch',
      '--repo',
      repo.url,
      '--ref',
      'master',
      '--dir',
      join(empty, 'new/folders/pb'),
    ]);
    expect(ok.exitCode).toBe(0);
    expect(ok.stderr).toContain('no case: nothing recorded');
    expect(existsSync(join(empty, 'new/folders/pb/roles/galaxy/playbook_help'))).toBe(true);
  });
});
