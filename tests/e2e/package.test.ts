import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { ROOT, tempDir } from '../helpers/cli.js';

// Issue #10, item 4: the package gives a working `matrix-oob` command. `npm pack` then
// `npm install -g --prefix <tmp> <tarball>`, as the README says. dist/ is already built (npm test
// builds first), so the pack skips the prepare script here: rebuilding dist/ would race the
// suites running meanwhile. Dependencies come from the npm cache or registry.
describe('the npm package', () => {
  const tmp = tempDir('matrix-oob-package-');
  afterAll(() => tmp.cleanup());

  it('builds dist/ whenever npm installs or packs the clone', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.scripts.prepare).toBe('npm run build');
    expect(pkg.bin).toEqual({ 'matrix-oob': 'bin/matrix-oob.js' });
    for (const dir of ['bin', 'dist', 'inventory-templates', 'playbook-hooks', 'playbooks', 'data', 'docs'])
      expect(pkg.files).toContain(dir);
  });

  it('installs from the packed tarball into a clean prefix, and the command works', async () => {
    const packed = await execa('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp.dir], {
      cwd: ROOT,
    });
    const [{ filename }] = JSON.parse(packed.stdout) as [{ filename: string }];
    const prefix = join(tmp.dir, 'prefix');
    const install = await execa(
      'npm',
      [
        'install',
        '-g',
        '--prefix',
        prefix,
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        join(tmp.dir, filename),
      ],
      { cwd: tmp.dir, reject: false, all: true },
    );
    expect(install.all).not.toMatch(/npm error/);
    expect(install.exitCode).toBe(0);
    const bin = join(prefix, 'bin', 'matrix-oob');
    expect(existsSync(bin)).toBe(true);
    const help = await execa(bin, ['--help'], { cwd: tmp.dir, env: { NO_COLOR: '1' }, reject: false });
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toContain('Usage: matrix-oob');
    expect(help.stdout).toMatch(/Commands:\n\s+up /);
    // What the commands read at run time ships too: the templates (init), the shipped hooks.
    const dry = await execa(
      bin,
      ['init', '--config', join(ROOT, 'examples', 'case.yml'), '--dry-run', '--yes', join(tmp.dir, 'case')],
      { cwd: tmp.dir, env: { NO_COLOR: '1' }, reject: false },
    );
    expect(dry.stderr).toContain('dry run: nothing is written');
    expect(dry.exitCode).toBe(0);
    const installed = join(prefix, 'lib', 'node_modules', 'matrix-oob');
    expect(existsSync(join(installed, 'playbook-hooks', 'post-start', '10-verify'))).toBe(true);
    expect(existsSync(join(installed, 'playbooks', 'teardown.yml'))).toBe(true);
    expect(existsSync(join(installed, 'tests'))).toBe(false);
  }, 180_000);
});
