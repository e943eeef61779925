import { int, intList, loadConfig, optionalStr, str } from '@outcomes/config';
import { serviceSettings } from '@outcomes/platform';

export const auctionSettings = {
  ...serviceSettings,
  tmaxMs: int('AUCTION_TMAX_MS', 250, { min: 10, max: 10_000 }, 'how long an auction waits for bids'),
  costGoalCeilingPercent: int('COST_GOAL_CEILING_PERCENT', 150, { min: 100, max: 1000 }, 'cost_per_result, while the delivery optimizer does not answer: the ceiling per outcome, as a percentage of the goal'),
  quoteStateMaxAgeMs: int('OPTIMIZER_QUOTE_STATE_MAX_AGE_MS', 2000, { min: 0, max: 60_000 }, "how old the delivery optimizer's published quote state may be for an auction to quote from it in process; older (or 0): ask the optimizer"),
  quoteTimeoutMs: int('OPTIMIZER_QUOTE_TIMEOUT_MS', 200, { min: 10, max: 10_000 }, "how long an auction waits for the delivery optimizer's quote before it prices with the prior and a fixed ceiling"),
  priorSuccessPercent: int('PRIOR_SUCCESS_PERCENT', 70, { min: 1, max: 99 }, "P(success) of every engine, in percent, while the delivery optimizer does not answer"),
  resumeAfterMs: int('AUCTION_RESUME_AFTER_MS', 5000, { min: 100 }, 'an auction not closed this long after its request is run again (by any copy)'),
  awardTimeoutMs: int('AWARD_TIMEOUT_MS', 2000, { min: 100 }, 'how long a NATS engine has to acknowledge an award'),
  handoffRetrySeconds: intList('HANDOFF_RETRY_SECONDS', [30, 120, 600, 1800, 3600], { min: 1 }, 'after a failed round of hand-off deliveries, the waits before the next rounds (comma-separated seconds); then it is recorded as failed'),
  smtpUrl: optionalStr('SMTP_URL', 'mail relay for e-mail hand-offs, e.g. smtps://user:pass@smtp.example.com:465; none: e-mail hand-offs fail with a clear reason'),
  smtpFrom: str('SMTP_FROM', 'Outcomes <handoffs@outcomes.local>', 'sender of e-mail hand-offs'),
  maxAuctionsInFlight: int('AUCTION_MAX_IN_FLIGHT', 64, { min: 1 }, 'auctions one copy runs at once; beyond it, new requests are refused with 503 and Retry-After rather than queued without bound'),
  credentialRefTtlSeconds: int('CREDENTIAL_REF_TTL_SECONDS', 900, { min: 10, max: 86_400 }, 'how long the winner may redeem the credential references of its award'),
  webhookAwardTimeoutMs: int('WEBHOOK_AWARD_TIMEOUT_MS', 35_000, { min: 100 }, 'how long a webhook engine has to acknowledge an award (the engine-gateway retries its calls within this)'),
} as const;

export type AuctionConfig = ReturnType<typeof loadAuctionConfig>;
export const loadAuctionConfig = (env: NodeJS.ProcessEnv = process.env) => {
  const c = loadConfig(auctionSettings, env);
  return { ...c, priorSuccess: c.priorSuccessPercent / 100 };
};
