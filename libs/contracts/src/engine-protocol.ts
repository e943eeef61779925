/**
 * What the marketplace and an engine say to each other over NATS. The auction asks each eligible
 * engine for a bid and awards the winner by request/reply; the engine streams its execution back
 * on subjects that carry its own id, which NATS permissions tie to its credentials.
 */
export const ENGINE_SUBJECTS = {
  bidRequest: (engineId: string) => `engine.${engineId}.bid`,
  award: (engineId: string) => `engine.${engineId}.award`,
  notice: (engineId: string) => `engine.${engineId}.notice`,
  execution: (engineId: string, outcomeId: string, kind: ExecutionKind) => `exec.${engineId}.${outcomeId}.${kind}`,
  /** Everything every engine streams: the auction service listens here. */
  allExecution: 'exec.*.*.*',
} as const;

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

export interface Award {
  readonly outcome_id: string;
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
