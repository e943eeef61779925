import { type Msg, type Subscription } from '@nats-io/nats-core';
import type { Bus } from './connection';
import { eventHeaders, fromEnvelope, headerRecord, type BusEvent, type EventEnvelope } from './envelope';

/**
 * Replaying a dead letter: `DeadLetters.replay` asks, a running consumer answers. Core NATS
 * request/reply, not JetStream: the replay must reach one replica of one consumer, now, and say
 * whether the handler succeeded. See DeadLetters for why not the event stream.
 */
export interface ReplayRequest {
  readonly id: string;
  readonly subject: string;
  readonly envelope: unknown;
  readonly attempts: number;
}
export type ReplayReply = { readonly ok: true } | { readonly ok: false; readonly error: string };

/** Where a running consumer answers replays (before the bus namespace). */
export const replaySubject = (durable: string): string => `replay.${durable}`;

export const errorText = (err: unknown): string => (err instanceof Error ? (err.stack ?? `${err.name}: ${err.message}`) : String(err));

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Answers `replay.<durable>` (see DeadLetters) with the consumer's own handler. */
export function serveReplays(bus: Bus, durable: string, handler: (event: BusEvent) => Promise<void>, onError: (err: unknown, e: BusEvent | undefined) => void): Subscription {
  return bus.nc.subscribe(bus.subject(replaySubject(durable)), {
    queue: durable,
    callback: (err, msg: Msg) => {
      if (err) return onError(err, undefined);
      void (async () => {
        let reply: ReplayReply;
        let event: BusEvent | undefined;
        try {
          const req = JSON.parse(decoder.decode(msg.data)) as ReplayRequest;
          const recorded = fromEnvelope(req.envelope as EventEnvelope);
          const headers = headerRecord(eventHeaders(recorded));
          event = { ...recorded, subject: req.subject, deliveryCount: req.attempts + 1, headers, replay: true };
          await handler(event);
          reply = { ok: true };
        } catch (e) {
          onError(e, event);
          reply = { ok: false, error: errorText(e) };
        }
        try {
          msg.respond(encoder.encode(JSON.stringify(reply)));
        } catch (e) {
          onError(e, event); // connection gone: the requester times out and the row stays open
        }
      })();
    },
  });
}
