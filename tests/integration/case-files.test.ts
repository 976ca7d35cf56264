import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chainLine, EMPTY_HEAD } from '../../src/case/chain.js';
import { BIN, runCli } from '../helpers/cli.js';

// Case files under stress (issue #9, items 4, 5, 10, 13, 14): teardown leaves no copy of a
// secret and checks before it says "removed"; the yaml library never prints a vars.yml line;
// a damaged, newer or misplaced file is a one-line error, never a reset or a stack trace;
// atomic writes sync the folder after the rename.
describe('case files', () => {
  let dir: string;
  let config: string;
  let n = 0;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'matrix-oob-files-'));
    config = join(dir, 'case.yml');
    writeFileSync(config, 'domain: example.test\nserver:\n  address: 192.0.2.10\nusers: []\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function newCase(): Promise<{ root: string; hostVars: string; vars: string; generic: string }> {
    const root = join(dir, `case-${++n}`);
    const r = await runCli(['init', '--config', config, '--yes', root]);
    expect(r.exitCode).toBe(0);
    const hostVars = join(root, 'inventory', 'host_vars', 'matrix.example.test');
    const vars = join(hostVars, 'vars.yml');
    const generic = /^matrix_homeserver_generic_secret_key: "?([^"\n]+)"?$/m.exec(
      readFileSync(vars, 'utf8'),
    )![1]!;
    return { root, hostVars, vars, generic };
  }
  const noCrash = (r: { all: string }) => {
    expect(r.all).not.toContain('unexpected internal error');
    expect(r.all).not.toMatch(/\n\s+at /);
  };

  it('teardown --dry-run never prints a vars.yml line (the yaml library stays silent)', async () => {
    const c = await newCase();
    writeFileSync(
      c.vars,
      `${readFileSync(c.vars, 'utf8')}\nansible_become_password: !unsafe 'Hunter2-{{-TopSecret'\nodd: !custom 'Hunter2-{{-Again'\nmatrix_base_data_path: /srv/matrix\n`,
    );
    const r = await runCli(['-C', c.root, 'teardown', '--dry-run', '--local-only']);
    expect(r.exitCode).toBe(0);
    expect(r.all).not.toContain('Hunter2');
    expect(r.all).not.toContain(c.generic);
  });

  it('teardown removes the whole host_vars folder, backup and swap copies included', async () => {
    const c = await newCase();
    const text = readFileSync(c.vars, 'utf8');
    for (const copy of ['vars.yml.bak', 'vars.yml~', '.vars.yml.swp', '#vars.yml#'])
      writeFileSync(join(c.hostVars, copy), text);
    const plan = await runCli(['-C', c.root, 'teardown', '--dry-run', '--local-only']);
    for (const copy of ['vars.yml.bak', 'vars.yml~', '.vars.yml.swp']) expect(plan.all).toContain(copy);
    const r = await runCli(['-C', c.root, 'teardown', '--local-only', '--confirm', 'example.test']);
    expect(r.exitCode).toBe(0);
    expect(existsSync(join(c.root, 'inventory', 'host_vars'))).toBe(false);
    expect(r.all).not.toContain(c.generic);
  });

  it('teardown refuses a system folder as the data folder before asking anything', async () => {
    const c = await newCase();
    writeFileSync(c.vars, `${readFileSync(c.vars, 'utf8')}\nmatrix_base_data_path: /var/\n`);
    const r = await runCli(['-C', c.root, 'teardown', '--confirm', 'example.test']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(
      'matrix_base_data_path is /var/ in vars.yml: teardown deletes that folder on the server, and it is a system folder; nothing was removed',
    );
    expect(existsSync(c.vars)).toBe(true);
  });

  it('teardown scans the case for any known secret before it says "removed"', async () => {
    const c = await newCase();
    // A secret copied somewhere matrix-oob does not write secrets to, JSON-escaped.
    writeFileSync(join(c.root, 'notes.txt'), `pasted: ${JSON.stringify(c.generic)}\n`);
    const r = await runCli(['-C', c.root, 'teardown', '--local-only', '--confirm', 'example.test']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(
      'a known secret is also in 1 other file(s) of the case folder: nothing was removed locally',
    );
    expect(r.all).toContain('notes.txt');
    expect(r.all).not.toContain('local secrets removed');
    expect(r.all).not.toContain(c.generic);
    expect(JSON.parse(readFileSync(join(c.root, 'state.json'), 'utf8')).teardown.local).toBe('kept');
    expect(existsSync(c.vars)).toBe(true); // still there, so the retry can scan again
    // An old log holding a derived form (as main wrote before redaction knew it) is found too.
    rmSync(join(c.root, 'notes.txt'));
    mkdirSync(join(c.root, 'logs'), { recursive: true });
    writeFileSync(join(c.root, 'logs', 'old-setup.log'), `cmd: 'x'"'"'${c.generic}'\n`);
    const log = await runCli(['-C', c.root, 'teardown', '--local-only', '--confirm', 'example.test']);
    expect(log.exitCode).toBe(1);
    expect(log.all).toContain('logs/old-setup.log');
    rmSync(join(c.root, 'logs', 'old-setup.log'));
    const again = await runCli(['-C', c.root, 'teardown', '--local-only', '--confirm', 'example.test']);
    expect(again.exitCode).toBe(0);
    expect(again.all).toContain('local secrets removed');
  });

  it('a secret said in the recorded chat is reported, and the record (evidence) is kept as it is', async () => {
    const c = await newCase();
    const room = join(c.root, 'record', 'rooms', 'room-1');
    mkdirSync(room, { recursive: true });
    const said = `${chainLine({ kind: 'decrypted', content: { body: `the password is ${c.generic}` } }, EMPTY_HEAD).line}\n`;
    writeFileSync(join(room, 'decrypted.jsonl'), said);
    // The transcript made of it holds the same words.
    writeFileSync(join(c.root, 'record', 'transcript.html'), `<p>the password is ${c.generic}</p>\n`);
    const r = await runCli(['-C', c.root, 'teardown', '--local-only', '--confirm', 'example.test']);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain(
      'a known secret was said in the recorded chat (record/rooms/room-1/decrypted.jsonl, record/transcript.html): the record is evidence and is kept as it is; the server was left alone (--local-only): if it still runs, change that secret there',
    );
    expect(r.all).toContain('local secrets removed');
    expect(r.all).not.toContain(c.generic);
    expect(readFileSync(join(room, 'decrypted.jsonl'), 'utf8')).toBe(said);
    expect(existsSync(c.vars)).toBe(false);
    expect(readFileSync(join(c.root, 'journal.jsonl'), 'utf8')).toContain(
      '"secrets_in_record":["record/rooms/room-1/decrypted.jsonl","record/transcript.html"]',
    );
  });

  it('a damaged or newer state.json is an error naming it, and is left as it was', async () => {
    const c = await newCase();
    const state = join(c.root, 'state.json');
    for (const [text, message] of [
      ['{"version": 1, "deploy": {"plan": ["setup"', 'is damaged (not valid JSON'],
      ['[1, 2]', 'is damaged (not a JSON object)'],
      ['{"version": 2, "deploy": null}', 'was written by a newer matrix-oob (state version 2'],
      ['{"deploy": null}', 'is damaged ("version" is undefined, not 1)'],
    ] as const) {
      writeFileSync(state, text);
      const r = await runCli(['-C', c.root, 'teardown', '--local-only', '--confirm', 'example.test']);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain(message);
      noCrash(r);
      expect(readFileSync(state, 'utf8')).toBe(text);
      expect(existsSync(c.vars)).toBe(true);
    }
  });

  it('bad files are one-line errors, never a stack trace: alias bomb, state.json a folder, journal a folder, logs a file', async () => {
    const bomb = join(dir, 'bomb.yml');
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 0; i < 9; i++)
      lines.push(
        `${'bcdefghij'[i]}: &${'bcdefghij'[i]} [*${'abcdefghi'[i]},*${'abcdefghi'[i]},*${'abcdefghi'[i]},*${'abcdefghi'[i]},*${'abcdefghi'[i]},*${'abcdefghi'[i]},*${'abcdefghi'[i]},*${'abcdefghi'[i]},*${'abcdefghi'[i]}]`,
      );
    writeFileSync(bomb, `domain: example.test\nserver:\n  address: 192.0.2.10\n${lines.join('\n')}\n`);
    const b = await runCli(['init', '--config', bomb, '--yes', '--dry-run', join(dir, 'bomb-case')]);
    expect(b.exitCode).toBe(2);
    expect(b.stderr).toContain('too many YAML aliases');
    noCrash(b);

    const c = await newCase();
    mkdirSync(join(c.root, 'state.json'));
    const s = await runCli(['-C', c.root, 'teardown', '--local-only', '--confirm', 'example.test']);
    expect(s.exitCode).toBe(2);
    expect(s.stderr).toMatch(/cannot read .*state\.json: it is a folder, where a file belongs \(EISDIR\)/);
    noCrash(s);
    expect(existsSync(c.vars)).toBe(true);

    const d = await newCase();
    rmSync(join(d.root, 'journal.jsonl'), { force: true });
    mkdirSync(join(d.root, 'journal.jsonl'));
    const j = await runCli(['-C', d.root, 'teardown', '--dry-run', '--local-only']);
    expect(j.exitCode).toBe(2);
    expect(j.stderr).toMatch(/journal\.jsonl: it is a folder/);
    noCrash(j);

    // inventory/host_vars a file: the doctor's folder listing fails (ENOTDIR), still one line.
    const f = await newCase();
    rmSync(join(f.root, 'inventory', 'host_vars'), { recursive: true });
    writeFileSync(join(f.root, 'inventory', 'host_vars'), 'not a folder\n');
    const doc = await runCli(['-C', f.root, 'doctor']);
    expect(doc.exitCode).toBe(2);
    expect(doc.stderr).toMatch(/host_vars: a part of the path is a file, where a folder belongs \(ENOTDIR\)/);
    noCrash(doc);

    const e = await newCase();
    rmSync(join(e.root, 'inventory', 'hosts'));
    mkdirSync(join(e.root, 'inventory', 'hosts'));
    const h = await runCli([
      '-C',
      e.root,
      'init',
      '--config',
      join(e.root, 'matrix-oob.yml'),
      '--yes',
      e.root,
    ]);
    expect(h.exitCode).toBe(2);
    noCrash(h);
  });

  it('an atomic write syncs the folder after the rename (a power loss cannot undo it)', () => {
    const root = join(dir, 'traced');
    const trace = join(dir, 'trace.txt');
    execFileSync(
      'strace',
      [
        '-f',
        '-qq',
        '-e',
        'trace=openat,rename,renameat,renameat2,fsync,fdatasync',
        '-o',
        trace,
        'node',
        BIN,
        'init',
        '--config',
        config,
        '--yes',
        root,
      ],
      {
        env: { ...process.env, NO_COLOR: '1' },
        stdio: 'pipe',
      },
    );
    const calls = readFileSync(trace, 'utf8').split('\n');
    const hostVars = join(root, 'inventory', 'host_vars', 'matrix.example.test');
    const renamed = calls.findIndex((l) => /rename/.test(l) && l.includes(`"${join(hostVars, 'vars.yml')}"`));
    expect(renamed).toBeGreaterThan(-1);
    const after = calls.slice(renamed + 1);
    const opened = after
      .map((l) => new RegExp(`openat\\(AT_FDCWD, "${hostVars}", O_RDONLY.*\\) = (\\d+)`).exec(l))
      .find(Boolean);
    expect(opened).toBeTruthy();
    expect(after.some((l) => new RegExp(`fsync\\(${opened![1]}\\)\\s+= 0`).test(l))).toBe(true);
    expect(readdirSync(hostVars)).toEqual(['vars.yml']);
  });
});
