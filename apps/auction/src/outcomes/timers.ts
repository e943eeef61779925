import type { OutcomeState } from '@outcomes/domain-auction';

export type TimerKind = 'auction' | 'max_latency' | 'deadline' | 'handoff';

/** How an outcome's durable timers change with its new state; the kinds of the three lists never overlap. */
export interface TimerPlan {
  readonly drop: readonly TimerKind[];
  /** Set unless already set (a timer's first due time stands). */
  readonly keep: ReadonlyArray<readonly [TimerKind, Date]>;
  /** Set, replacing any due time. */
  readonly set: ReadonlyArray<readonly [TimerKind, Date]>;
}

/**
 * The timers an outcome needs in its state: while auctioning, a resume in case this copy dies
 * mid-auction; while running, the award's max latency; while open, the deadline (until marked
 * late); once escalated, the hand-off's next delivery round, until it settles.
 */
export function timerPlan(after: Exclude<OutcomeState, { status: 'empty' }>, resumeAfterMs: number, now: Date): TimerPlan {
  const { delivery, at } = after.request;
  const requestedAt = Date.parse(at);
  const open = after.status === 'auctioning' || after.status === 'running';
  const drop: TimerKind[] = [];
  const keep: Array<[TimerKind, Date]> = [];
  const set: Array<[TimerKind, Date]> = [];
  if (after.status === 'auctioning') keep.push(['auction', new Date(requestedAt + resumeAfterMs)]);
  else drop.push('auction');
  // Each award sets its own max latency (a re-auctioned outcome gets a fresh one).
  if (after.status === 'running' && after.awardedAt) set.push(['max_latency', new Date(Date.parse(after.awardedAt) + delivery.maxLatencySeconds * 1000)]);
  if (!open) drop.push('max_latency', 'deadline');
  else if (delivery.deadlineSeconds !== null && !after.late) keep.push(['deadline', new Date(requestedAt + delivery.deadlineSeconds * 1000)]);
  if (after.status === 'escalated' && !after.handoff?.settled) {
    const retryAt = after.handoff?.retryAt;
    if (retryAt) set.push(['handoff', new Date(retryAt)]);
    else keep.push(['handoff', now]);
  }
  if (after.handoff?.settled) drop.push('handoff');
  return { drop, keep, set };
}
