import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ChainWriter } from '../../src/case/chain.js';
import { ROOT, runCli, tempDir } from '../helpers/cli.js';

const EXAMPLE = join(ROOT, 'examples/case.yml');

// `matrix-oob record verify` on a real case folder written by the built CLI.
describe('matrix-oob record verify', () => {
  let tmp: ReturnType<typeof tempDir>;
  let caseDir: string;
  beforeEach(async () => {
    tmp = tempDir();
    caseDir = join(tmp.dir, 'case');
    const r = await runCli(['init', '--config', EXAMPLE, '--yes', caseDir]);
    expect(r.exitCode).toBe(0);
  });
  afterEach(() => tmp.cleanup());

  it('a case with only init in its journal verifies (exit 0), with --json', async () => {
    const r = await runCli(['--case', caseDir, '--json', 'record', 'verify']);
    expect(r.stderr).toContain('record verify: all 1 chains intact');
    expect(r.exitCode).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.ok).toBe(true);
    expect(json.files[0]).toMatchObject({ file: 'journal.jsonl', lines: 1, head: { seq: 1 } });
  });

  it('one changed byte of journal.jsonl: exit 5, naming the file and the line, nothing written', async () => {
    // A second line, so the edited one is not the first.
    expect((await runCli(['--case', caseDir, 'record', 'verify'])).exitCode).toBe(0);
    const init2 = await runCli(['init', '--config', EXAMPLE, '--yes', caseDir]);
    expect(init2.exitCode).toBe(0);
    const path = join(caseDir, 'journal.jsonl');
    const text = readFileSync(path, 'utf8');
    const firstEnd = text.indexOf('\n');
    const i = firstEnd + 20; // a byte inside line 2
    const edited = text.slice(0, i) + (text[i] === 'a' ? 'b' : 'a') + text.slice(i + 1);
    writeFileSync(path, edited);
    const r = await runCli(['--case', caseDir, 'record', 'verify']);
    expect(r.exitCode).toBe(5);
    expect(r.stderr).toContain('BROKEN  journal.jsonl: line 2 was edited');
    expect(readFileSync(path, 'utf8')).toBe(edited);
    // The help says the exit code a script sees.
    const help = await runCli(['record', 'verify', '--help']);
    expect(help.stdout.replace(/\s+/g, ' ')).toContain('5 a chain is broken');
  });

  it('teardown prints the heads; verify --head checks them and catches a cut journal', async () => {
    // The recorder's keys go with the other local secrets; what it recorded stays.
    mkdirSync(join(caseDir, 'record', 'recorder'), { recursive: true, mode: 0o700 });
    writeFileSync(join(caseDir, 'record', 'recorder', 'secrets.json'), '{}\n', { mode: 0o600 });
    const chained = await ChainWriter.open(
      join(caseDir, 'record', 'rooms', '!r%3Aexample.com', 'events.jsonl'),
    );
    chained.add({ event: { event_id: '$1' } });
    await chained.flush();
    const td = await runCli(['--case', caseDir, 'teardown', '--local-only', '--confirm', 'example.com']);
    expect(td.exitCode).toBe(0);
    expect(existsSync(join(caseDir, 'record', 'recorder'))).toBe(false);
    expect(existsSync(join(caseDir, 'record', 'rooms', '!r%3Aexample.com', 'events.jsonl'))).toBe(true);
    expect(td.stderr).toMatch(/^ {2}record\/rooms\/!r%3Aexample\.com\/events\.jsonl=1:[0-9a-f]{64}$/m);
    const m = /^ {2}(journal\.jsonl=\d+:[0-9a-f]{64})$/m.exec(td.stderr);
    expect(m).not.toBeNull();
    const head = (m as RegExpExecArray)[1] as string;
    const ok = await runCli(['--case', caseDir, 'record', 'verify', '--head', head]);
    expect(ok.exitCode).toBe(0);
    const path = join(caseDir, 'journal.jsonl');
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    writeFileSync(path, `${lines.slice(0, -1).join('\n')}\n`);
    const cut = await runCli(['--case', caseDir, 'record', 'verify', '--head', head]);
    expect(cut.exitCode).toBe(5);
    expect(cut.stderr).toMatch(
      /BROKEN {2}journal\.jsonl: the file ends at entry \d+, but entry \d+ was checkpointed/,
    );
  });

  it('bad usage: a malformed --head or a folder without a journal exits 2 with a hint', async () => {
    const bad = await runCli(['--case', caseDir, 'record', 'verify', '--head', 'journal.jsonl=x']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('error: --head "journal.jsonl=x" is not FILE=SEQ:HASH');
    const none = await runCli(['--case', tmp.dir, 'record', 'verify']);
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toContain('has no journal.jsonl: not a case folder');
  });

  it('record: without the recorder registered, or with a bad key export, exits 2 with a hint and writes nothing', async () => {
    const r = await runCli(['--case', caseDir, 'record', '--once'], {
      env: { MATRIX_OOB_RECORD_URL: 'http://127.0.0.1:9' },
    });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/error: no password for the recorder: .*credentials\/recorder\.txt is missing/);
    expect(r.stderr).toContain('hint: register it first: matrix-oob user add --all');
    const imp = await runCli([
      '--case',
      caseDir,
      'record',
      '--import-keys',
      join(caseDir, 'nope.txt'),
      '--passphrase-file',
      join(caseDir, 'nope'),
    ]);
    expect(imp.exitCode).toBe(2);
    expect(imp.stderr).toContain('--import-keys: cannot read');
    expect(existsSync(join(caseDir, 'record'))).toBe(false);
  });

  it('record: a damaged state.json, session.json or secrets.json of the recorder exits 2 naming the file, journal untouched', async () => {
    mkdirSync(join(caseDir, 'credentials'), { recursive: true, mode: 0o700 });
    writeFileSync(
      join(caseDir, 'credentials', 'recorder.txt'),
      'user_id: @recorder:example.com\npassword: Recorder-password-0123456789\n',
      { mode: 0o600 },
    );
    const secrets = join(caseDir, 'record', 'recorder');
    mkdirSync(secrets, { recursive: true, mode: 0o700 });
    const journalBefore = readFileSync(join(caseDir, 'journal.jsonl'), 'utf8');
    const cases: [string, string, string][] = [
      [join(caseDir, 'record', 'state.json'), '{"last_alive": "2026-', 'move it aside'],
      [join(secrets, 'session.json'), '[]', 'logs in a new device'],
      [join(secrets, 'secrets.json'), '', 'restore it from a backup'],
    ];
    for (const [file, text, hint] of cases) {
      writeFileSync(file, text, { mode: 0o600 });
      const r = await runCli(['--case', caseDir, 'record', '--once'], {
        env: { MATRIX_OOB_RECORD_URL: 'http://127.0.0.1:9' },
      });
      expect(r.stderr).toContain(`error: ${file} is damaged (not a JSON object)`);
      expect(r.stderr).toMatch(new RegExp(`hint: .*${hint}`));
      expect(r.stderr).not.toContain('internal error');
      expect(r.exitCode).toBe(2);
      expect(readFileSync(file, 'utf8')).toBe(text);
      writeFileSync(file, '{}', { mode: 0o600 });
    }
    expect(readFileSync(join(caseDir, 'journal.jsonl'), 'utf8')).toBe(journalBefore);
  });

  it('record --import-keys, transcript, a recorder turned off: every refusal exits 2 with a hint, writing nothing', async () => {
    const journalBefore = readFileSync(join(caseDir, 'journal.jsonl'), 'utf8');
    const keys = join(tmp.dir, 'keys.txt');
    writeFileSync(keys, '-----BEGIN MEGOLM SESSION DATA-----\n');
    const importKeys = (...more: string[]) =>
      runCli(['--case', caseDir, 'record', '--import-keys', keys, ...more]);
    // Nothing recorded: said before any passphrase is asked for.
    const none = await importKeys();
    expect(none.stderr).toContain('has no recorded rooms (record/rooms/ is missing)');
    expect(none.stderr).toContain('hint: run "matrix-oob record" first');
    expect(none.exitCode).toBe(2);
    const empty = await runCli(['--case', caseDir, 'transcript']);
    expect(empty.stderr).toMatch(/error: nothing recorded in .*record\/rooms/);
    expect(empty.exitCode).toBe(2);
    mkdirSync(join(caseDir, 'record', 'rooms', '!r%3Aexample.com'), { recursive: true, mode: 0o700 });
    const missing = await importKeys('--passphrase-file', join(tmp.dir, 'nope'));
    expect(missing.stderr).toContain('error: --passphrase-file: cannot read');
    expect(missing.stderr).toContain('ENOENT');
    expect(missing.exitCode).toBe(2);
    writeFileSync(join(tmp.dir, 'empty'), '\n');
    const blank = await importKeys('--passphrase-file', join(tmp.dir, 'empty'));
    expect(blank.stderr).toContain('error: --passphrase-file: the file is empty');
    expect(blank.exitCode).toBe(2);
    // No terminal to ask on (stdin is not one here), and never on the command line.
    const noTty = await importKeys();
    expect(noTty.stderr).toContain('error: --import-keys needs the passphrase of the key export');
    expect(noTty.stderr).toContain('hint: give --passphrase-file FILE');
    expect(noTty.exitCode).toBe(2);
    const yml = join(caseDir, 'matrix-oob.yml');
    const on = readFileSync(yml, 'utf8');
    expect(on).toContain('recorder:\n  enabled: true\n');
    writeFileSync(yml, on.replace('recorder:\n  enabled: true\n', 'recorder:\n  enabled: false\n'));
    const alone = await runCli(['--case', caseDir, 'record', '--passphrase-file', join(tmp.dir, 'empty')]);
    expect(alone.stderr).toContain(
      'error: --passphrase-file is the passphrase of a key export: it goes with --import-keys FILE',
    );
    expect(alone.exitCode).toBe(2);
    const off = await runCli(['--case', caseDir, 'record', '--once']);
    expect(off.stderr).toContain('error: the recorder is off in this case (recorder.enabled: false)');
    expect(off.exitCode).toBe(2);
    expect(readFileSync(join(caseDir, 'journal.jsonl'), 'utf8')).toBe(journalBefore);
    expect(existsSync(join(caseDir, 'record', 'record.lock'))).toBe(false);
    expect(existsSync(join(caseDir, 'record', 'rooms', '!r%3Aexample.com', 'decrypted.jsonl'))).toBe(false);
  });

  it("record: the recorder's password goes only over https to this case's server (exit 2 before sending it)", async () => {
    mkdirSync(join(caseDir, 'credentials'), { recursive: true, mode: 0o700 });
    const password = 'Recorder-password-0123456789';
    writeFileSync(join(caseDir, 'credentials', 'recorder.txt'), `password: ${password}\n`, { mode: 0o600 });
    // Left in the environment from another case.
    const env = await runCli(['--case', caseDir, 'record', '--once'], {
      env: { MATRIX_OOB_RECORD_URL: 'https://matrix.other-case.invalid' },
    });
    expect(env.stderr).toContain(
      "error: MATRIX_OOB_RECORD_URL (from the environment) https://matrix.other-case.invalid is not this case's server (matrix.example.com or 203.0.113.10)",
    );
    expect(env.stderr).toContain('hint: unset MATRIX_OOB_RECORD_URL (it may be left from another case)');
    expect(env.exitCode).toBe(2);
    const clear = await runCli([
      '--case',
      caseDir,
      'record',
      '--once',
      '--homeserver-url',
      'http://matrix.example.com',
    ]);
    expect(clear.stderr).toContain(
      'error: --homeserver-url http://matrix.example.com is not https: the password would travel in clear',
    );
    expect(clear.exitCode).toBe(2);
    for (const r of [env, clear]) expect(r.all).not.toContain(password);
    expect(existsSync(join(caseDir, 'record', 'recorder', 'session.json'))).toBe(false);
  });
});
