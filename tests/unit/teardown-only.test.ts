import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { runTeardown } from '../../src/commands/teardown/run.js';
import { UserError } from '../../src/errors.js';
import { memoryOutput } from '../../src/ui/output.js';
import { memoryTerminal } from '../../src/ui/terminal.js';
import { HAND_SECRET, writeHandCase } from '../helpers/case.js';

// `teardown --only DOMAIN` without a server: the refusals, --json, and --local-only's local part.
// The server part (stop and wipe with --limit) is tests/integration/fallback-teardown.test.ts.
const FALLBACK = 'fallback.test';
const FALLBACK_VARS = join('inventory', 'host_vars', `matrix.${FALLBACK}`);

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIEQrNuLinxQvu2RDhBG9E59GRJUC85thzHpmbaQBuZe';

describe('teardown --only', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'matrix-oob-teardown-only-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A two-server case written by hand: the main server and the fallback, each with its vars.yml. */
  const fallbackCase = (withFallback = true) => {
    const root = join(dir, 'case');
    const fallback = `fallback:\n  - domain: ${FALLBACK}\n    server:\n      address: 198.51.100.20\n`;
    writeHandCase(root, { configExtra: withFallback ? fallback : '' });
    // Both servers' host keys pinned (trust-host, trust-host --server).
    writeFileSync(join(root, 'known_hosts'), `127.0.0.1 ${KEY}\n198.51.100.20 ${KEY}\n`, { mode: 0o600 });
    if (withFallback) {
      mkdirSync(join(root, FALLBACK_VARS), { mode: 0o700 });
      writeFileSync(join(root, FALLBACK_VARS, 'vars.yml'), `matrix_domain: ${FALLBACK}\n`, { mode: 0o600 });
    }
    return root;
  };

  const run = (
    root: string,
    opts: { only: string; dryRun?: boolean; localOnly?: boolean; confirm?: string; skipHook?: string[] },
    json = false,
  ) => {
    const out = memoryOutput();
    const done = runTeardown({
      opts: { localOnly: false, dryRun: false, skipHook: [], ...opts },
      globals: { case: root, json, yes: true },
      out,
      terminal: memoryTerminal(),
      interrupt: { signal: new AbortController().signal, force: new AbortController().signal, dispose() {} },
      env: { PATH: process.env.PATH, TMPDIR: dir },
      interactive: false,
      shippedHooksDir: join(dir, 'no-shipped-hooks'),
    });
    return { out, done };
  };

  const refusal = async (root: string, only: string, skipHook: string[] = []) => {
    const { out, done } = run(root, { only, confirm: only, skipHook });
    const err = await done.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).exitCode).toBe(2);
    expect(out.stdout).toEqual([]);
    return err as UserError;
  };

  it('refuses a domain that is not a fallback server, naming the ones there are; nothing changes', async () => {
    const root = fallbackCase();
    const before = readFileSync(join(root, 'matrix-oob.yml'), 'utf8');
    const err = await refusal(root, 'nope.test');
    expect(err.message).toBe('--only nope.test: not a fallback server of this case');
    expect(err.hint).toBe(`give one of: ${FALLBACK}`);
    expect(readFileSync(join(root, 'matrix-oob.yml'), 'utf8')).toBe(before);
    expect(existsSync(join(root, FALLBACK_VARS, 'vars.yml'))).toBe(true);
  });

  it('refuses the main server and, in a case without fallbacks, says there are none', async () => {
    const main = await refusal(fallbackCase(), 'example.test');
    expect(main.message).toContain('the main server cannot be removed alone');
    rmSync(join(dir, 'case'), { recursive: true });
    const none = await refusal(fallbackCase(false), FALLBACK);
    expect(none.hint).toBe('this case has no fallback servers; "matrix-oob teardown" removes the case');
  });

  it('refuses --skip-hook (it runs no hooks) rather than ignoring it; nothing changes', async () => {
    const root = fallbackCase();
    const err = await refusal(root, FALLBACK, ['10-verify']);
    expect(err.message).toBe('--skip-hook 10-verify: teardown --only runs no hooks');
    expect(existsSync(join(root, FALLBACK_VARS, 'vars.yml'))).toBe(true);
    expect(existsSync(join(root, 'journal.jsonl'))).toBe(false);
  });

  it('without the pinned host key the server part is refused before anything runs (exit 2)', async () => {
    const root = fallbackCase();
    rmSync(join(root, 'known_hosts'));
    const err = await refusal(root, FALLBACK);
    expect(err.message).toBe(
      `the server's SSH host key is not pinned (${join(root, 'known_hosts')} is missing)`,
    );
    expect(err.hint).toContain('use --local-only');
    expect(existsSync(join(root, FALLBACK_VARS, 'vars.yml'))).toBe(true);
    expect(existsSync(join(root, 'journal.jsonl'))).toBe(false);
  });

  it("without the fallback's own pin (the main server's is there) it is refused before anything runs", async () => {
    const root = fallbackCase();
    writeFileSync(join(root, 'known_hosts'), `127.0.0.1 ${KEY}\n`, { mode: 0o600 });
    const err = await refusal(root, FALLBACK);
    expect(err.message).toBe(
      `the SSH host key of the fallback server ${FALLBACK} is not pinned in ${join(root, 'known_hosts')}`,
    );
    expect(err.hint).toContain(`run "matrix-oob trust-host --server ${FALLBACK}" first`);
    expect(existsSync(join(root, FALLBACK_VARS, 'vars.yml'))).toBe(true);
    expect(existsSync(join(root, 'journal.jsonl'))).toBe(false);
  });

  it('--dry-run --json prints one JSON document and changes nothing', async () => {
    const root = fallbackCase();
    const { out, done } = run(root, { only: FALLBACK, dryRun: true }, true);
    await done;
    expect(out.stdout).toHaveLength(1);
    const doc = JSON.parse(out.stdout[0]!);
    expect(doc).toMatchObject({
      dry_run: true,
      only: FALLBACK,
      host: `matrix.${FALLBACK}`,
      remove: [FALLBACK_VARS],
    });
    expect(doc.commands).toHaveLength(1); // no checkout: the teardown playbook only, no stop
    expect(doc.commands[0]).toContain(`--limit matrix.${FALLBACK}`);
    expect(parse(readFileSync(join(root, 'matrix-oob.yml'), 'utf8')).fallback).toHaveLength(1);
    expect(existsSync(join(root, FALLBACK_VARS, 'vars.yml'))).toBe(true);
  });

  it('--local-only --json removes it locally and prints one JSON document', async () => {
    const root = fallbackCase();
    const { out, done } = run(root, { only: FALLBACK, localOnly: true, confirm: FALLBACK }, true);
    await done;
    expect(out.stdout).toHaveLength(1);
    expect(JSON.parse(out.stdout[0]!)).toEqual({
      ok: true,
      only: FALLBACK,
      host: `matrix.${FALLBACK}`,
      server: 'skipped',
      removed: [FALLBACK_VARS],
    });
    expect(existsSync(join(root, FALLBACK_VARS))).toBe(false);
    expect(parse(readFileSync(join(root, 'matrix-oob.yml'), 'utf8')).fallback).toBeUndefined();
    expect(readFileSync(join(root, 'inventory', 'hosts'), 'utf8')).not.toContain(FALLBACK);
    expect(readFileSync(join(root, 'journal.jsonl'), 'utf8')).toContain(
      `"command":"teardown --only ${FALLBACK} --local-only","stage":"local","result":"ok"`,
    );
    // The main server's secrets are kept byte for byte, never regenerated.
    expect(
      readFileSync(join(root, 'inventory', 'host_vars', 'matrix.example.test', 'vars.yml'), 'utf8'),
    ).toContain(HAND_SECRET);
  });
});
