import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Capture, capture as realCapture } from '../adapters/process.js';

/**
 * SSH connection sharing for one matrix-oob command. Ansible keeps an ssh master connection
 * open (ControlPersist) so that its many tasks, and the next stage, reuse it; but OpenSSH
 * detaches that master into its own session, where signals to ansible-playbook's process group
 * do not reach it. So each command gets a private control folder, and when the command ends
 * (finished, failed or interrupted) every master in it is told to exit and the folder is removed:
 * nothing of ours outlives the command.
 */
export async function withSshControl<T>(
  fn: (controlDir: string) => Promise<T>,
  capture: Capture = realCapture,
): Promise<T> {
  // Short path: unix socket paths are limited to ~108 bytes (Ansible adds a 40-char hash).
  const dir = await mkdtemp(join(tmpdir(), 'moob-cp-'));
  try {
    return await fn(dir);
  } finally {
    await closeMasters(dir, capture);
    await rm(dir, { recursive: true, force: true });
  }
}

export async function closeMasters(dir: string, capture: Capture = realCapture): Promise<void> {
  let entries: string[] = [];
  try {
    entries = await readdir(dir);
  } catch {
    return;
  }
  await Promise.all(
    entries.map((name) =>
      capture('ssh', ['-o', `ControlPath=${join(dir, name)}`, '-O', 'exit', 'matrix-oob-control'], {
        timeoutMs: 10_000,
      }).catch(() => undefined),
    ),
  );
}
