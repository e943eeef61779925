/**
 * What the marketplace and an engine say to each other over NATS. The auction asks each eligible
 * engine for a bid and awards the winner by request/reply; the engine streams its execution back
 * on subjects that carry its own id, which NATS permissions tie to its credentials. Bid requests
 * and loss notices come in batches (`BidRequestBatch`, `LossNoticeBatch`): the auctions that reach
 * an engine at the same moment share one message, as several impressions share one OpenRTB request.
 */
export const ENGINE_SUBJECTS = {
  bidRequest: (engineId: string) => `engine.${engineId}.bid`,
  award: (engineId: string) => `engine.${engineId}.award`,
  notice: (engineId: string) => `engine.${engineId}.notice`,
  /**
   * A claim filed against one of the engine's outcomes (`ClaimNotice`), as a request: the reply
   * (`ClaimNoticeReply`) is the engine's answer, added to the claim as its evidence.
   */
  claim: (engineId: string) => `engine.${engineId}.claim`,
  /** The delivery optimizer's feedback (`PerformanceFeedback`), per outcome type and period. */
  feedback: (engineId: string) => `engine.${engineId}.feedback`,
  execution: (engineId: string, outcomeId: string, kind: ExecutionKind) => `exec.${engineId}.${outcomeId}.${kind}`,
  /** An engine exchanges a credential reference of its award for the credentials (request/reply). */
  redeemCredential: (engineId: string) => `cred.${engineId}.redeem`,
  allRedeemCredential: 'cred.*.redeem',
  /** Everything every engine streams: the auction service listens here. */
  allExecution: 'exec.*.*.*',
} as const;

/**
 * Where the auction reaches a webhook engine: the engine-gateway serves these subjects (in its
 * queue group) and turns each message into a signed HTTPS call to the engine. No engine may
 * subscribe here; only the platform's own connections can.
 */
export const BRIDGE_SUBJECTS = {
  bidRequest: (engineId: string) => `bridge.${engineId}.bid`,
  award: (engineId: string) => `bridge.${engineId}.award`,
  notice: (engineId: string) => `bridge.${engineId}.notice`,
  all: (kind: 'bid' | 'award' | 'notice') => `bridge.*.${kind}`,
} as const;

/** The subjects that reach an engine, by how it is connected. */
export const subjectsFor = (transport: 'nats' | 'webhook'): Pick<typeof ENGINE_SUBJECTS, 'bidRequest' | 'award' | 'notice'> => (transport === 'nats' ? ENGINE_SUBJECTS : BRIDGE_SUBJECTS);

export interface BidRequest {
  readonly outcome_id: string;
  readonly outcome_type: string;
  /** How long the auction waits for bids, from when it sent this. */
  readonly tmax_ms: number;
  readonly capability_requirements: readonly string[];
  readonly latency_preference: 'fastest' | 'balanced' | 'cost_optimized';
  readonly max_latency_seconds: number;
}

/** A price in USD (decimal string), or a decline. */
export type BidResponse = { readonly price: string } | { readonly decline: string };

/** One message on `engine.<id>.bid`: one auction's request or several, each answered. */
export interface BidRequestBatch {
  readonly requests: readonly BidRequest[];
}

/** The reply to a `BidRequestBatch`: one answer per request, in the same order. */
export interface BidResponseBatch {
  readonly responses: readonly BidResponse[];
}

export interface Award {
  readonly outcome_id: string;
  readonly buyer_id: string;
  /** The configuration the outcome runs under; a webhook engine later gets its changes as JSON Patch. */
  readonly config_id: string;
  readonly config_version: number;
  /** Set on every turn of a multi-turn session: the same engine gets each one. */
  readonly session_id: string | null;
  readonly outcome_type: string;
  readonly clearing_price: string;
  readonly input: unknown;
  readonly system_prompt: string | null;
  readonly success_criteria: unknown;
  readonly delivery_constraints: unknown;
  readonly tools: unknown;
  /** Descriptors only; credentials reach the engine as short-lived references. */
  readonly context_sources: unknown;
}

export type AwardResponse = { readonly acknowledged: true } | { readonly acknowledged: false; readonly reason: string };

export interface LossNotice {
  readonly outcome_id: string;
  readonly reason: 'outbid' | 'above_ceiling' | 'timeout';
  /** What would have won, in USD; null when nothing would have. */
  readonly price_to_beat: string | null;
}

/** One message on `engine.<id>.notice`: the loss notices of one moment. */
export interface LossNoticeBatch {
  readonly notices: readonly LossNotice[];
}

export type ExecutionKind = 'message' | 'tool_call' | 'checkpoint' | 'completed' | 'escalated' | 'failed';

export interface ExecutionPayloads {
  readonly message: { readonly role: 'assistant'; readonly content: string };
  readonly tool_call: { readonly name: string; readonly arguments: unknown };
  readonly checkpoint: { readonly progress_percent: number; readonly phase: string; readonly estimated_completion_seconds: number | null };
  readonly completed: {
    readonly result: unknown;
    readonly artifacts: ReadonlyArray<{ readonly name: string; readonly sha256: string; readonly uri?: string }>;
    /** A session turn answered with the conversation still going on. */
    readonly session_open?: boolean;
  };
  readonly escalated: { readonly trigger: string; readonly details: string; readonly summary: string; readonly transcript: unknown; readonly work_completed_percent: number };
  readonly failed: { readonly reason: string };
}

export const EXECUTION_KINDS: readonly ExecutionKind[] = ['message', 'tool_call', 'checkpoint', 'completed', 'escalated', 'failed'];
export const FINAL_EXECUTION_KINDS: readonly ExecutionKind[] = ['completed', 'escalated', 'failed'];

/**
 * What a webhook engine receives with an award: where to post its execution reports, and the
 * bearer token that lets it report on this outcome only, until it expires.
 */
export interface ExecutionCallback {
  readonly url: string;
  readonly token: string;
  readonly expires_at: string;
}

/** The part of a configuration an engine works from: what an award carries and configuration updates patch. */
export interface EngineFacingConfig {
  readonly system_prompt: unknown;
  readonly success_criteria: unknown;
  readonly delivery_constraints: unknown;
  readonly tools: unknown;
  readonly context_sources: unknown;
}

export const engineFacingConfig = <C extends EngineFacingConfig>(c: C): Pick<C, keyof EngineFacingConfig> => ({
  system_prompt: c.system_prompt,
  success_criteria: c.success_criteria,
  delivery_constraints: c.delivery_constraints,
  tools: c.tools,
  context_sources: c.context_sources,
});

/** What a webhook engine receives on `POST /configuration-updated`. */
export interface ConfigurationUpdate {
  readonly config_id: string;
  readonly config_version: number;
  readonly configuration: EngineFacingConfig;
  /** RFC 6902 operations that turn the configuration the engine last received into this one. */
  readonly patch: ReadonlyArray<{ readonly op: string; readonly path: string; readonly value?: unknown; readonly from?: string }>;
}

/**
 * How an engine's work on a type went in a period, from the delivery optimizer: a NATS engine gets
 * it on `engine.<id>.feedback`, a webhook engine by `POST /performance-feedback`. Seed 004's
 * indices: 100 is on target.
 */
export interface PerformanceFeedback {
  readonly engine_id: string;
  readonly outcome_type: string;
  readonly start_date: string;
  readonly end_date: string;
  /** Awards in the period, and how the outcomes that ended in it ended. */
  readonly outcomes: number;
  readonly completed: number;
  readonly escalated: number;
  readonly failed: number;
  readonly timed_out: number;
  /** 100: every outcome that ended was delivered (not escalated, failed or timed out); null: none ended. */
  readonly delivery_index: number | null;
  /** 100: the best expected cost per success on the type; lower: dearer per success than the best. */
  readonly performance_index: number | null;
  /** The optimizer's estimate of the engine's P(success) on the type, and what one success is expected to cost with it. */
  readonly success_probability: number;
  readonly expected_cost_per_success: string | null;
}

/**
 * In an award, a context source that needs credentials carries a reference in their place: the
 * awarded engine exchanges it (over NATS on its own `cred.<id>.redeem`, or through the callback API)
 * before it expires. The credentials never travel in the award and never enter an event.
 */
export interface CredentialRef {
  readonly ref: string;
  readonly expires_at: string;
}

export type RedeemCredentialResponse = { readonly credentials: Record<string, string> } | { readonly error: string };

/**
 * A claim filed against an engine's delivered outcome: a NATS engine gets it on
 * `engine.<id>.claim`, a webhook engine by `POST /claim-filed`. The engine may answer, before the
 * operator decides, with its own side: a kind (`review_log`, `scope_statement`…) and a description.
 */
export interface ClaimNotice {
  readonly claim_id: string;
  /** CLM-000123 */
  readonly display_id: string;
  readonly outcome_id: string;
  readonly claim_type: string;
  readonly description: string;
  readonly requested_amount: string;
  readonly filed_at: string;
}

export interface ClaimNoticeReply {
  readonly answer?: { readonly kind: string; readonly description: string };
}

/** The inbox prefix of an engine's own requests: its credentials let it read replies there only. */
export const engineInboxPrefix = (engineId: string) => `_INBOX_${engineId}`;
