import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPlaybook } from '../../src/ansible/run.js';
import { Redactor } from '../../src/secrets/redact.js';
import { memoryTerminal } from '../../src/ui/terminal.js';

// The runner's signal handling, with a stand-in ansible-playbook (a shell script with a child
// process) so that the timing is exact: the whole process group gets the forwarded signal, and
// a group that ignores it is killed after the grace period.
describe('runPlaybook signals', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'matrix-oob-signals-'));
    mkdirSync(join(dir, 'bin'));
    env = { ...process.env, PATH: `${join(dir, 'bin')}:${process.env.PATH}` };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // A killed process whose parent died stays a zombie until init reaps it: that is gone too.
  const alive = (pid: number) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
    } catch {
      return false;
    }
  };

  const fake = (traps: string) => {
    const file = join(dir, 'bin', 'ansible-playbook');
    writeFileSync(
      file,
      `#!/bin/sh\n${traps}\nsleep 300 &\necho $! > "$MARK.child"\necho "TASK [fake : wait] ***"\nwait\nwait\n`,
    );
    chmodSync(file, 0o755);
  };

  const run = async (mark: string, reason: string, graceMs: number, forceAfterMs?: number) => {
    const controller = new AbortController();
    const force = new AbortController();
    const terminal = memoryTerminal();
    const started = Date.now();
    const promise = runPlaybook({
      caseCtx: {
        checkout: dir,
        paths: { hosts: join(dir, 'hosts'), knownHosts: join(dir, 'kh'), logsDir: join(dir, 'logs') },
      },
      tags: ['start'],
      stage: 'start',
      terminal,
      redactor: new Redactor(),
      signal: controller.signal,
      forceSignal: force.signal,
      env: { ...env, MARK: mark },
      killGraceMs: graceMs,
    });
    while (!existsSync(`${mark}.child`) || !terminal.text().includes('TASK [fake')) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const child = Number(readFileSync(`${mark}.child`, 'utf8'));
    controller.abort(reason);
    if (forceAfterMs !== undefined) setTimeout(() => force.abort(reason), forceAfterMs);
    const result = await promise;
    return { result, child, ms: Date.now() - started };
  };

  it('forwards SIGTERM to the whole process group and reports an interrupt', async () => {
    fake(`trap 'echo TERM >> "$MARK"; exit 143' TERM`);
    const mark = join(dir, 'term');
    const { result, child } = await run(mark, 'SIGTERM', 10_000);
    expect(result.interrupted).toBe(true);
    expect(result.exitCode).toBe(130);
    expect(readFileSync(mark, 'utf8')).toBe('TERM\n');
    expect(alive(child)).toBe(false);
    expect(readFileSync(result.logFile, 'utf8')).toContain('(interrupted)');
  });

  it('kills a group that ignores the signal after the grace period', async () => {
    fake(`trap '' INT TERM`);
    const { result, child, ms } = await run(join(dir, 'ignore'), 'SIGINT', 700);
    expect(result.interrupted).toBe(true);
    expect(result.exitCode).toBe(130);
    expect(ms).toBeGreaterThanOrEqual(700);
    expect(ms).toBeLessThan(8000);
    expect(alive(child)).toBe(false);
  });

  it('a second Ctrl-C kills at once instead of waiting for the grace period', async () => {
    fake(`trap '' INT TERM`);
    const { result, child, ms } = await run(join(dir, 'force'), 'SIGINT', 60_000, 200);
    expect(result.interrupted).toBe(true);
    expect(ms).toBeLessThan(10_000);
    expect(alive(child)).toBe(false);
  });
});
