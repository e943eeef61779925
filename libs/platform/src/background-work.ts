import type { Logger } from '@outcomes/telemetry';

/**
 * Work a service starts and does not await (an auction after its request was answered, a timer's
 * round): a failure is logged rather than lost, and `settled()` lets the service wait for all of it
 * before it stops.
 */
export class BackgroundWork {
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly logger: Pick<Logger, 'error'>,
    private readonly what: string,
  ) {}

  run(work: Promise<unknown>): void {
    const p = work.catch((err: unknown) => this.logger.error({ err: err instanceof Error ? err.stack : String(err) }, `${this.what} failed`));
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p)).catch(() => undefined);
  }

  async settled(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }
}
