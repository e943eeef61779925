import { decodeJson, requesterFor, RequestTimeoutError, type Bus } from '@outcomes/bus';
import type { BidResponse, BidResponseBatch } from '@outcomes/contracts';

/** What became of one bid request: the engine's answer, no answer within `tmax` (late), or no engine there. */
export type BidOutcome = { readonly kind: 'answer'; readonly answer: BidResponse } | { readonly kind: 'late' } | { readonly kind: 'unreachable' };

/**
 * Groups what is sent to a subject in one turn of the event loop, and sends it at `setImmediate`:
 * the auctions that a statement's result or a shared read sets going together reach each engine
 * as one message instead of one each.
 */
class PerTurn<T> {
  private open = new Map<string, T[]>();
  private scheduled = false;

  constructor(private readonly send: (subject: string, items: T[]) => void) {}

  add(subject: string, item: T): void {
    const items = this.open.get(subject);
    if (items) items.push(item);
    else this.open.set(subject, [item]);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    const open = this.open;
    this.open = new Map();
    this.scheduled = false;
    for (const [subject, items] of open) this.send(subject, items);
  }
}

/**
 * Bid requests, batched per engine and turn (`BidRequestBatch`). Each request is given encoded,
 * once for all the engines it goes to; the batch waits `tmaxMs` for its reply, whose answers go
 * back to their auctions in order.
 */
export class BidBatches {
  private readonly batches: PerTurn<{ readonly encoded: string; readonly done: (o: BidOutcome) => void }>;

  constructor(bus: Bus, tmaxMs: number) {
    this.batches = new PerTurn((subject, items) => {
      const body = Buffer.from(`{"requests":[${items.map((i) => i.encoded).join(',')}]}`);
      requesterFor(bus.nc)
        .request(subject, body, { timeoutMs: tmaxMs })
        .then(
          (msg) => {
            const responses = decodeJson<BidResponseBatch>(msg.data).responses;
            items.forEach((item, i) => {
              const answer = Array.isArray(responses) ? responses[i] : undefined;
              item.done(answer && typeof answer === 'object' ? { kind: 'answer', answer } : { kind: 'unreachable' });
            });
          },
          (err: unknown) => items.forEach((item) => item.done({ kind: err instanceof RequestTimeoutError ? 'late' : 'unreachable' })),
        )
        .catch(() => items.forEach((item) => item.done({ kind: 'unreachable' })));
    });
  }

  /** `encoded`: the `BidRequest` as JSON text. */
  ask(subject: string, encoded: string): Promise<BidOutcome> {
    return new Promise((done) => this.batches.add(subject, { encoded, done }));
  }
}

/** Loss notices, batched per engine and turn (`LossNoticeBatch`); sent and forgotten. */
export class NoticeBatches {
  private readonly batches: PerTurn<string>;

  constructor(bus: Bus) {
    this.batches = new PerTurn((subject, notices) => bus.nc.publish(subject, Buffer.from(`{"notices":[${notices.join(',')}]}`)));
  }

  /** `encoded`: the `LossNotice` as JSON text. */
  tell(subject: string, encoded: string): void {
    this.batches.add(subject, encoded);
  }
}
