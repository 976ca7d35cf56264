import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { capture } from '../../src/adapters/process.js';
import { listTags } from '../../src/ansible/tags.js';
import { tempDir } from '../helpers/cli.js';
import { makeFixtureCheckout } from '../helpers/mdad-fixture.js';

// Listing a playbook's tags loads the whole playbook; a clean git checkout's tags are cached.
describe('listTags cache', () => {
  let tmp: ReturnType<typeof tempDir>;
  let checkout: string;
  let inventory: string;
  let cacheFile: string;
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', checkout, ...args], {
      stdio: 'pipe',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@t',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@t',
      },
    });

  beforeAll(() => {
    tmp = tempDir('matrix-oob-tags-');
    checkout = makeFixtureCheckout(join(tmp.dir, 'mdad'));
    writeFileSync(join(checkout, '.gitignore'), 'roles/galaxy/\nfixture-roles/\n');
    git('init', '-q');
    git('add', '-A');
    git('commit', '-qm', 'fixture');
    inventory = join(tmp.dir, 'hosts');
    writeFileSync(inventory, '[matrix_servers]\nmatrix.example.test ansible_host=127.0.0.1\n');
    cacheFile = join(tmp.dir, 'case', '.cache', 'playbook-tags.json');
  });
  afterAll(() => tmp.cleanup());

  // Without ansible-playbook on PATH, only the cache can answer.
  const noAnsible = { PATH: '/nonexistent' };
  const list = (env: NodeJS.ProcessEnv) =>
    listTags({ checkout, inventory, playbook: 'setup.yml', env, capture, cacheFile });

  it('lists once, then answers from the cache for the same clean commit', async () => {
    const first = await list(process.env);
    expect([...first]).toEqual(expect.arrayContaining(['install-all', 'start', 'register-user']));
    expect(existsSync(cacheFile)).toBe(true);
    expect(await list(noAnsible)).toEqual(first);
  });

  it('lists again when the checkout has local changes', async () => {
    appendFileSync(join(checkout, 'setup.yml'), '# local edit\n');
    await expect(list(noAnsible)).rejects.toThrow('ansible-playbook is not installed');
    git('checkout', '--', 'setup.yml');
  });

  it('lists again after a new commit', async () => {
    appendFileSync(join(checkout, 'README.md'), 'more\n');
    git('commit', '-qam', 'next');
    await expect(list(noAnsible)).rejects.toThrow('ansible-playbook is not installed');
    await list(process.env);
    expect((await list(noAnsible)).has('start')).toBe(true);
  });
});
