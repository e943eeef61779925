export interface Stoppable {
  stop(): Promise<void>;
}

/**
 * Stops what a service started, in reverse order, once, on SIGTERM or SIGINT. A second signal
 * exits at once; a stop that hangs is cut off after `graceMs`.
 */
export function stopOnSignals(parts: () => readonly Stoppable[], log: (msg: string) => void, graceMs = 15_000): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (stopping) process.exit(1);
    stopping = true;
    log(`${signal}: stopping`);
    const timer = setTimeout(() => process.exit(1), graceMs);
    timer.unref();
    void (async () => {
      for (const part of [...parts()].reverse()) {
        await part.stop().catch((err: unknown) => log(`stop failed: ${String(err)}`));
      }
      process.exit(0);
    })();
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}
