import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { PINNED_COMMIT } from '../../src/playbook/pin.js';
import { writeHandCase } from '../helpers/case.js';
import { runCli as cli } from '../helpers/cli.js';
import { describeReal, realMdad } from '../helpers/real-mdad.js';

// `playbook fetch` with no --ref against the real repository (no tags, master at the pin).
describeReal('playbook fetch against the real MDAD repository', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'matrix-oob-contract-fetch-'));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('checks out the pinned commit, shallow and without tags, and installs its 31 galaxy roles', async () => {
    const real = realMdad();
    expect(execFileSync('git', ['-C', real.bare, 'tag', '--list'], { encoding: 'utf8' })).toBe('');
    // The roles' sources are on GitHub (no network here): the real ansible-galaxy installs the
    // same roles from local tarballs, named and versioned as requirements.yml asks.
    const requirements = parse(
      execFileSync('git', ['-C', real.bare, 'show', `${PINNED_COMMIT}:requirements.yml`], {
        encoding: 'utf8',
      }),
    ) as { name: string; version: string }[];
    const tarballs = join(tmp, 'roles');
    mkdirSync(tarballs);
    const local = requirements.map((r) => {
      const file = join(tarballs, `${r.name}.tar.gz`);
      execFileSync('tar', ['-czf', file, '-C', real.galaxy, r.name]);
      return { src: file, name: r.name, version: r.version };
    });
    writeFileSync(join(tmp, 'requirements.local.yml'), stringify(local));
    const bin = join(tmp, 'bin');
    mkdirSync(bin);
    const galaxy = execFileSync('sh', ['-c', 'command -v ansible-galaxy'], { encoding: 'utf8' }).trim();
    writeFileSync(
      join(bin, 'ansible-galaxy'),
      `#!/usr/bin/env bash\nargs=()\nfor a in "$@"; do if [ "$a" = requirements.yml ]; then args+=("${join(tmp, 'requirements.local.yml')}"); else args+=("$a"); fi; done\nexec ${galaxy} "\${args[@]}"\n`,
    );
    chmodSync(join(bin, 'ansible-galaxy'), 0o755);

    const { root } = writeHandCase(join(tmp, 'case'));
    const r = await cli(['--case', root, 'playbook', 'fetch', '--repo', real.url], {
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
      timeoutMs: 600_000,
    });
    expect(r.stderr).toContain(`checking out ${PINNED_COMMIT.slice(0, 12)}`);
    expect(r.stderr).toContain('[3/3] installing 31 galaxy roles');
    expect(r.exitCode).toBe(0);
    const co = join(root, 'playbook');
    const git = (...args: string[]) => execFileSync('git', ['-C', co, ...args], { encoding: 'utf8' }).trim();
    expect(git('rev-parse', 'HEAD')).toBe(PINNED_COMMIT);
    expect(git('rev-parse', '--is-shallow-repository')).toBe('true');
    expect(git('rev-list', '--count', 'HEAD')).toBe('1');
    expect(git('tag', '--list')).toBe('');
    expect(readdirSync(join(co, 'roles', 'galaxy')).sort()).toEqual(requirements.map((x) => x.name).sort());
    expect(parse(readFileSync(join(root, 'matrix-oob.yml'), 'utf8')).playbook).toEqual({
      path: 'playbook',
      repo: real.url,
      ref: PINNED_COMMIT,
    });
  }, 600_000);
});
