/**
 * An outcome configuration: everything the buyer's wizard collects, in the domain's terms. These
 * shapes travel in the catalog's events (ConfigDrafted, ConfigRevised), so they live with the
 * other shared contracts; the catalog domain re-exports them.
 * Money is integer micro-dollars; secrets are sealed before they reach the domain and never leave
 * the catalog unsealed.
 */

/** A secret encrypted at rest (AES-256-GCM); `keyId` names the key that sealed it, for rotation. */
export interface SealedSecret {
  readonly keyId: string;
  readonly ciphertext: string;
}

export type ContextSourceType = 'inline' | 'url' | 'mcp_server' | 'file_reference';

export interface ContextSource {
  /** Unique within the configuration. */
  readonly name: string;
  readonly type: ContextSourceType;
  /** `inline`: the text itself. */
  readonly content: string | null;
  /** `url`: the document's address; `mcp_server`: the server's address. */
  readonly url: string | null;
  /** `mcp_server`: the tools the engine may call on it (empty: all it offers). */
  readonly serverTools: readonly string[];
  /** `file_reference`: the uploaded file's id. */
  readonly fileId: string | null;
  readonly metadata: Readonly<Record<string, string | number | boolean>>;
  /** Connector credentials (a token, a header set): sealed, never returned by the API. */
  readonly credentials: SealedSecret | null;
}

export type ToolKind = 'mcp_server' | 'api' | 'function';

export interface ToolLimits {
  /** The largest amount one call may move (a refund, say). */
  readonly maxAmountMicros: number | null;
  readonly maxCallsPerOutcome: number | null;
  readonly requireApproval: boolean;
  /** The only values the tool may be called with (discount codes, say); empty: any. */
  readonly allowedValues: readonly string[];
}

export interface Tool {
  /** Unique across read-only and write tools. */
  readonly name: string;
  readonly kind: ToolKind;
  readonly description: string;
  readonly endpoint: string | null;
  readonly permissions: readonly string[];
  readonly limits: ToolLimits;
  readonly credentials: SealedSecret | null;
}

export interface Tools {
  readonly readOnly: readonly Tool[];
  readonly write: readonly Tool[];
}

export interface Criterion {
  readonly metric: string;
  readonly operator: 'eq' | 'gt' | 'gte' | 'lt' | 'lte' | 'contains' | 'matches';
  readonly value: boolean | number | string;
}

export interface SuccessCriteria {
  readonly required: readonly Criterion[];
  readonly optional: readonly Criterion[];
}

export type LatencyPreference = 'fastest' | 'balanced' | 'cost_optimized';

export interface DeliveryConstraints {
  readonly maxLatencySeconds: number;
  readonly latencyPreference: LatencyPreference;
  /** Time from the request's start by which it must be done; null: no deadline beyond the latency. */
  readonly deadlineSeconds: number | null;
  /** `hard`: escalate at the deadline; `soft`: late delivery is accepted and noted. */
  readonly deadlineType: 'hard' | 'soft';
  readonly maxAttempts: number;
  /** How often a long-running outcome reports progress; null: no checkpoints. */
  readonly checkpointIntervalSeconds: number | null;
}

export type EscalationTrigger =
  | { readonly type: 'confidence_threshold'; readonly threshold: number }
  | { readonly type: 'max_attempts'; readonly attempts: number }
  | { readonly type: 'timeout'; readonly seconds: number }
  | { readonly type: 'explicit_request'; readonly patterns: readonly string[] }
  | { readonly type: 'policy_violation'; readonly policies: readonly string[] }
  | { readonly type: 'out_of_scope'; readonly topics: readonly string[] };

export type HandoffDestination =
  | { readonly type: 'webhook'; readonly url: string; readonly credentials: SealedSecret | null }
  | { readonly type: 'queue'; readonly queueName: string; readonly connection: string | null }
  | { readonly type: 'email'; readonly address: string; readonly template: string | null };

export interface Handoff {
  readonly destination: HandoffDestination;
  readonly includeSummary: boolean;
  readonly includeTranscript: boolean;
  readonly includeContext: boolean;
}

export type PartialBilling =
  | { readonly model: 'none' }
  | { readonly model: 'fixed_triage_fee'; readonly feeMicros: number }
  | { readonly model: 'percentage_complete' };

export interface EscalationPolicy {
  readonly enabled: boolean;
  readonly triggers: readonly EscalationTrigger[];
  readonly handoff: Handoff | null;
  readonly partialBilling: PartialBilling;
}

export type BidStrategy =
  | { readonly type: 'highest_volume' }
  | { readonly type: 'cost_per_result'; readonly goalMicros: number }
  /** Outcome value per dollar spent: 1.5 means $1.50 of value for each $1.00. A ratio, not money. */
  | { readonly type: 'roas_goal'; readonly roasGoal: number }
  | { readonly type: 'bid_cap'; readonly capMicros: number };

export type BudgetPeriod = 'daily' | 'weekly' | 'monthly' | 'total';

export interface Budget {
  readonly amountMicros: number;
  readonly period: BudgetPeriod;
}

export interface ExecutionPreferences {
  /** Engine patterns with `*` wildcards; empty: every engine is allowed. */
  readonly allowedEngines: readonly string[];
  readonly blockedEngines: readonly string[];
  readonly preferredEngine: string | null;
  readonly requiredEngine: string | null;
  readonly capabilityRequirements: readonly string[];
}

export type GuaranteeLevel = 'none' | 'basic' | 'standard' | 'full';

export interface GuaranteeTerms {
  readonly level: GuaranteeLevel;
  readonly maxPayoutMicros: number | null;
  readonly claimWindowDays: number;
}

/** The outcome type a configuration was written against, pinned at draft time. */
export interface PinnedType {
  readonly key: string;
  readonly version: number;
}

export interface ConfigBody {
  readonly name: string;
  readonly outcomeType: PinnedType;
  readonly contextSources: readonly ContextSource[];
  readonly tools: Tools;
  readonly successCriteria: SuccessCriteria;
  readonly delivery: DeliveryConstraints;
  readonly escalation: EscalationPolicy;
  /** Both required before launch. */
  readonly bidStrategy: BidStrategy | null;
  readonly budget: Budget | null;
  readonly executionPreferences: ExecutionPreferences;
  readonly systemPrompt: string | null;
  /** Only for guarantee-backed types; null for cAPI-verified ones. */
  readonly guarantee: GuaranteeTerms | null;
}

/**
 * What a draft or a revision says: every section may be left out. Left out of a draft, a section
 * takes the type's defaults; left out of a revision, it stays as it is.
 */
export type ConfigSections = { readonly [K in Exclude<keyof ConfigBody, 'outcomeType'>]?: ConfigBody[K] };
