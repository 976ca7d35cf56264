/**
 * Short child processes whose output we read whole (versions, git, ssh-keyscan).
 * Long, streamed runs (ansible-playbook) go through src/ansible/ instead.
 * Arguments are passed as an array (no shell). Never put a secret in `args`: use a file or stdin.
 */
export interface CaptureResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** The program was not found on PATH. */
  notFound: boolean;
}

export interface CaptureOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
  timeoutMs?: number;
}

export type Capture = (
  file: string,
  args: readonly string[],
  options?: CaptureOptions,
) => Promise<CaptureResult>;

export const capture: Capture = async (file, args, options = {}) => {
  const { execa } = await import('execa');
  const result = await execa(file, [...args], {
    cwd: options.cwd,
    env: options.env,
    extendEnv: options.env === undefined,
    input: options.input,
    stdin: options.input === undefined ? 'ignore' : 'pipe',
    timeout: options.timeoutMs ?? 60_000,
    reject: false,
    stripFinalNewline: false,
  });
  const notFound = (result as { code?: string }).code === 'ENOENT';
  return {
    exitCode: result.exitCode ?? (notFound ? 127 : 1),
    stdout: String(result.stdout ?? ''),
    stderr: String(result.stderr ?? ''),
    notFound,
  };
};
