import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PlaybookResult } from '../../src/ansible/run.js';
import { casePaths } from '../../src/case/paths.js';
import { readState, writeState } from '../../src/case/state.js';
import { runTeardown } from '../../src/commands/teardown/run.js';
import { InterruptedError, UserError } from '../../src/errors.js';
import { removeLocalSecrets } from '../../src/teardown/local.js';
import {
  baseDataPath,
  confirmationMatches,
  localSecrets,
  planLines,
  REMOVE_ALL_CONFIRMATION,
  teardownPlan,
} from '../../src/teardown/plan.js';
import { serverRemoved, TEARDOWN_PLAYBOOK } from '../../src/teardown/server.js';
import { memoryOutput } from '../../src/ui/output.js';
import { memoryTerminal } from '../../src/ui/terminal.js';
import { HAND_SECRET, writeHandCase } from '../helpers/case.js';
import { fakePrompt } from '../helpers/fake-prompt.js';

describe('teardown confirmation', () => {
  it.each([
    ['example.test', true],
    ['  Example.TEST. ', true],
    ['example.org', false],
    ['', false],
    ['   ', false],
    ['matrix.example.test', false],
    ['example', false],
  ])('%j confirms example.test: %s', (typed, ok) => {
    expect(confirmationMatches(typed, 'example.test')).toBe(ok);
  });

  it('accepts the Unicode and the ASCII form of an internationalised domain', () => {
    expect(confirmationMatches('bücher.example', 'xn--bcher-kva.example')).toBe(true);
    expect(confirmationMatches('xn--bcher-kva.example', 'bücher.example')).toBe(true);
  });
});

describe('teardown plan', () => {
  it('takes the data folder from matrix_base_data_path, else /matrix', () => {
    expect(baseDataPath(undefined)).toBe('/matrix');
    expect(baseDataPath('matrix_domain: x\n')).toBe('/matrix');
    expect(baseDataPath('matrix_base_data_path: /srv/matrix\n')).toBe('/srv/matrix');
    expect(baseDataPath('matrix_base_data_path: ""\n')).toBe('/matrix');
    expect(baseDataPath('{ not yaml')).toBe('/matrix');
  });

  it('a run proves the data folder gone only with a clean recap for the case host', () => {
    const result = (exitCode: number, recap: PlaybookResult['recap'], interrupted = false) =>
      ({ exitCode, recap, interrupted }) as PlaybookResult;
    const clean = { ok: 5, changed: 1, unreachable: 0, failed: 0, skipped: 3, rescued: 0, ignored: 0 };
    expect(serverRemoved(result(0, { 'matrix.example.test': clean }), 'matrix.example.test')).toBe(true);
    expect(serverRemoved(result(0, {}), 'matrix.example.test')).toBe(false); // no host matched
    expect(serverRemoved(result(0, { 'matrix.other.test': clean }), 'matrix.example.test')).toBe(false);
    expect(
      serverRemoved(result(2, { 'matrix.example.test': { ...clean, failed: 1 } }), 'matrix.example.test'),
    ).toBe(false);
    expect(
      serverRemoved(
        result(4, { 'matrix.example.test': { ...clean, unreachable: 1 } }),
        'matrix.example.test',
      ),
    ).toBe(false);
    expect(serverRemoved(result(130, { 'matrix.example.test': clean }, true), 'matrix.example.test')).toBe(
      false,
    );
  });
});

describe('teardown locally', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'matrix-oob-teardown-unit-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A hand-made case with every kind of local secret, and look-alikes that must stay. */
  const makeCase = () => {
    const root = join(dir, 'case');
    writeHandCase(root);
    const paths = casePaths(root, 'example.test');
    mkdirSync(paths.credentialsDir, { mode: 0o700 });
    writeFileSync(join(paths.credentialsDir, 'alice.txt'), 'password: AlicePassword-123\n');
    writeFileSync(join(paths.credentialsDir, 'bob.pending'), 'password: BobPending-456\n');
    writeFileSync(join(root, 'control-room.json'), '{}\n');
    writeFileSync(join(root, '.matrix-oob-tmp-99-aa'), 'x');
    writeFileSync(join(root, 'inventory', '.matrix-oob-tmp-98-bb'), 'x');
    writeFileSync(join(root, 'carol.pending'), 'password: CarolPending-789\n');
    mkdirSync(join(root, 'logs'));
    writeFileSync(join(root, 'logs', '20260101-setup.log'), 'log\n');
    writeFileSync(join(root, 'journal.jsonl'), '{}\n');
    // A playbook checkout inside the case is not ours to clean.
    mkdirSync(join(root, 'playbook'));
    writeFileSync(join(root, 'playbook', 'x.pending'), 'not ours\n');
    return { root, paths };
  };

  it('finds every local secret, removes them and the emptied host_vars, keeps the case record', async () => {
    const { root, paths } = makeCase();
    const items = await localSecrets(paths, join(root, 'playbook'));
    expect(items.map((i) => i.path.slice(root.length + 1)).sort()).toEqual(
      [
        '.matrix-oob-tmp-99-aa',
        'carol.pending',
        'control-room.json',
        'credentials',
        'inventory/.matrix-oob-tmp-98-bb',
        'inventory/host_vars/matrix.example.test/vars.yml',
      ].sort(),
    );
    await removeLocalSecrets(items, paths);
    expect(await localSecrets(paths, join(root, 'playbook'))).toEqual([]);
    expect(existsSync(join(root, 'inventory', 'host_vars'))).toBe(false);
    for (const kept of [
      'matrix-oob.yml',
      'inventory/hosts',
      'journal.jsonl',
      'logs/20260101-setup.log',
      'playbook/x.pending',
    ]) {
      expect(existsSync(join(root, kept))).toBe(true);
    }
  });

  it('shows what is destroyed and kept; --local-only says the server is left alone', async () => {
    const { root, paths } = makeCase();
    writeFileSync(paths.vars, `${readFileSync(paths.vars, 'utf8')}matrix_base_data_path: /srv/m\n`);
    const plan = await teardownPlan({
      domain: 'example.test',
      address: '203.0.113.5',
      paths,
      checkout: undefined,
    });
    const text = planLines(plan, root, false).join('\n');
    expect(text).toContain('On the server matrix.example.test (203.0.113.5), removed for good:');
    expect(text).toContain('the data folder /srv/m: all messages, media, encryption keys and the database');
    expect(text).toContain('  - credentials: user passwords handed out');
    expect(text).toContain('  - logs: the Ansible logs');
    expect(text).toContain('leave rooms shared with other servers first');
    expect(text).not.toContain(HAND_SECRET);
    expect(planLines(plan, root, true).join('\n')).toContain('nothing (--local-only)');
  });

  const request = (root: string, extra: Partial<Parameters<typeof runTeardown>[0]> = {}) => {
    const out = memoryOutput();
    const controller = new AbortController();
    return {
      out,
      controller,
      req: {
        opts: { localOnly: true, dryRun: false, skipHook: [] },
        globals: { case: root, json: false, yes: false },
        out,
        terminal: memoryTerminal(),
        interrupt: { signal: controller.signal, force: new AbortController().signal, dispose() {} },
        env: { PATH: process.env.PATH, TMPDIR: dir },
        shippedHooksDir: join(dir, 'no-shipped-hooks'),
        ...extra,
      },
    };
  };

  it('asks for the domain on a terminal: a wrong answer aborts with nothing removed', async () => {
    const { root, paths } = makeCase();
    const prompt = fakePrompt([['confirm', 'example.org']]);
    const { req } = request(root, { interactive: true, prompt });
    const err = await runTeardown(req).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).exitCode).toBe(2);
    expect(prompt.asked[0]?.message).toContain('Type the domain name (example.test)');
    expect(existsSync(paths.vars)).toBe(true);
    expect(existsSync(paths.credentialsDir)).toBe(true);
    expect(existsSync(paths.state)).toBe(false);
  });

  it('the right answer tears down (--local-only); the state keeps its other sections', async () => {
    const { root, paths } = makeCase();
    await writeState(paths.state, { version: 1, deploy: null, future_section: { keep: 'me' } });
    const { req, out } = request(root, {
      interactive: true,
      prompt: fakePrompt([['confirm', 'example.test']]),
    });
    await runTeardown(req);
    expect(existsSync(paths.vars)).toBe(false);
    expect(existsSync(paths.credentialsDir)).toBe(false);
    const state = await readState(paths.state);
    expect(state.future_section).toEqual({ keep: 'me' });
    expect(state.teardown).toMatchObject({ server: 'skipped', local: 'removed' });
    expect(out.stderr.join('\n')).toContain('teardown finished: local secrets removed (server skipped)');
    const journal = readFileSync(paths.journal, 'utf8');
    expect(journal).toContain('"stage":"local","result":"ok"');
    expect(journal).not.toContain('AlicePassword-123');
  });

  const hook = (root: string, event: string, name: string, body: string) => {
    mkdirSync(join(root, 'hooks', event), { recursive: true });
    writeFileSync(join(root, 'hooks', event, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  };
  const confirmed = { confirm: 'example.test', localOnly: true, dryRun: false, skipHook: [] as string[] };

  it('a failing pre-teardown hook stops it before anything is removed', async () => {
    const { root, paths } = makeCase();
    hook(root, 'pre-teardown', '10-check', 'echo not yet >&2; exit 3');
    const { req } = request(root, { opts: confirmed });
    const err = await runTeardown(req).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).exitCode).toBe(1);
    expect((err as Error).message).toBe(
      'pre-teardown hook 10-check failed (exit 3): stopping before the next step; teardown stopped, nothing was removed',
    );
    expect(existsSync(paths.vars)).toBe(true);
    expect(existsSync(join(paths.credentialsDir, 'alice.txt'))).toBe(true);
    expect(existsSync(paths.state)).toBe(false);
  });

  it('a --skip-hook that names no hook is refused before anything runs or is removed', async () => {
    const { root, paths } = makeCase();
    hook(root, 'pre-teardown', '10-check', 'touch "$MATRIX_OOB_CASE_DIR/../check-ran"');
    const { req } = request(root, { opts: { ...confirmed, skipHook: ['10-chek'] } });
    const err = await runTeardown(req).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).exitCode).toBe(2);
    expect((err as Error).message).toBe(
      '--skip-hook "10-chek": no pre-teardown/post-teardown hook has that name',
    );
    expect((err as UserError).hint).toContain('the hooks are: 10-check');
    expect(existsSync(join(dir, 'check-ran'))).toBe(false);
    expect(existsSync(paths.vars)).toBe(true);
    expect(existsSync(paths.credentialsDir)).toBe(true);
  });

  it('--skip-hook skips a hook; post-teardown hooks run after the local secrets are gone', async () => {
    const { root, paths } = makeCase();
    hook(root, 'pre-teardown', '10-check', 'exit 3');
    hook(
      root,
      'post-teardown',
      '10-note',
      'ls "$MATRIX_OOB_CASE_DIR/inventory/host_vars" > "$MATRIX_OOB_CASE_DIR/../post-saw" 2>&1; echo "$MATRIX_OOB_EVENT" >> "$MATRIX_OOB_CASE_DIR/../post-saw"',
    );
    hook(root, 'post-teardown', '20-fails', 'exit 4');
    const { req, out } = request(root, { opts: { ...confirmed, skipHook: ['10-check'] } });
    await runTeardown(req);
    expect(existsSync(paths.vars)).toBe(false);
    const saw = readFileSync(join(dir, 'post-saw'), 'utf8');
    expect(saw).toContain('No such file'); // host_vars was already removed
    expect(saw).toContain('post-teardown');
    expect(out.stderr.filter((l) => l.includes('post-teardown hook 20-fails failed (exit 4)'))).toHaveLength(
      1,
    );
    expect((await readState(paths.state)).teardown).toMatchObject({ local: 'removed' });
    const journal = readFileSync(paths.journal, 'utf8');
    expect(journal).toContain('"hook":"10-note"');
    expect(journal).not.toContain('"hook":"10-check"');
  });

  it('an interrupt before the local part keeps the local secrets (exit 130)', async () => {
    const { root, paths } = makeCase();
    const { req, controller } = request(root, {
      opts: { confirm: 'example.test', localOnly: true, dryRun: false, skipHook: [] },
    });
    controller.abort('SIGINT');
    const err = await runTeardown(req).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InterruptedError);
    expect((err as Error).message).toContain('the local secrets are still there');
    expect(existsSync(paths.vars)).toBe(true);
    expect(existsSync(join(paths.credentialsDir, 'alice.txt'))).toBe(true);
    expect((await readState(paths.state)).teardown).toMatchObject({ local: 'kept' });
  });
});

describe('playbooks/teardown.yml', () => {
  it("gives remove-all MDAD's exact confirmation line", () => {
    expect(readFileSync(TEARDOWN_PLAYBOOK, 'utf8')).toContain(`confirmation: "${REMOVE_ALL_CONFIRMATION}"`);
  });
});
