import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';

// `init --dry-run` says "secrets masked" (issue #9, item 9): secrets the operator added to
// vars.yml must be masked too, whatever their name rule (`*_api_hash`, `*_dsn`, `apikey`, `pwd`)
// and in the escaped form YAML stores them in (`it''s`).
describe('init --dry-run masks every secret', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'matrix-oob-mask-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('masks added secrets by name and in their YAML-escaped form', async () => {
    const config = join(dir, 'case.yml');
    writeFileSync(config, 'domain: example.test\nserver:\n  address: 192.0.2.10\nusers: []\n');
    const caseDir = join(dir, 'case');
    const init = await runCli(['init', '--config', config, '--yes', caseDir]);
    expect(init.exitCode).toBe(0);
    const vars = join(caseDir, 'inventory', 'host_vars', 'matrix.example.test', 'vars.yml');
    const added = {
      ansible_become_password: "it's-Hunter2-{{-TopSecret",
      telegram_api_hash: 'b7e3c1d2a9f04e55aa11',
      sentry_dsn: 'https://k3yPublic@sentry.example/42',
      apikey: 'AKIA-EXAMPLE-KEY-0001',
      pwd: 'short-but-secret-pwd',
    };
    appendFileSync(
      vars,
      [
        '',
        `ansible_become_password: !unsafe 'it''s-Hunter2-{{-TopSecret'`,
        `telegram_api_hash: "${added.telegram_api_hash}"`,
        `sentry_dsn: ${added.sentry_dsn}`,
        `apikey: ${added.apikey}`,
        `pwd: ${added.pwd}`,
        '',
      ].join('\n'),
    );
    const generic = /^matrix_homeserver_generic_secret_key: "?([^"\n]+)"?$/m.exec(
      readFileSync(vars, 'utf8'),
    )![1]!;
    const r = await runCli(['init', '--config', config, '--yes', '--dry-run', caseDir]);
    expect(r.exitCode).toBe(0);
    expect(r.all).toContain('secrets masked');
    expect(r.all).toContain('telegram_api_hash: "********"');
    for (const v of [...Object.values(added), "it''s-Hunter2-{{-TopSecret", 'Hunter2', generic]) {
      expect(r.all).not.toContain(v);
    }
  });
});
