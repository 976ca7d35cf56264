/** MATRIX_OOB_KILL_GRACE_MS shortens the wait before SIGKILL (tests); default 10 s. */
export function killGrace(env: NodeJS.ProcessEnv): number | undefined {
  const v = Number(env.MATRIX_OOB_KILL_GRACE_MS);
  return Number.isFinite(v) && v > 0 ? v : undefined;
}
