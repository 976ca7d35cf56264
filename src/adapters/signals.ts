/**
 * Ctrl-C and SIGTERM as an AbortSignal. While installed, the signals do not kill us: the
 * running child is told (runPlaybook forwards `signal.reason`), we wait for it, clean up, and
 * exit 130. `dispose()` restores the default behaviour.
 */
export interface Interrupt {
  signal: AbortSignal;
  dispose(): void;
}

export function interruptOnSignals(
  signals: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'],
): Interrupt {
  const controller = new AbortController();
  const handlers = signals.map((sig) => {
    const handler = () => {
      if (!controller.signal.aborted) controller.abort(sig);
    };
    process.on(sig, handler);
    return [sig, handler] as const;
  });
  return {
    signal: controller.signal,
    dispose: () => {
      for (const [sig, handler] of handlers) process.off(sig, handler);
    },
  };
}
