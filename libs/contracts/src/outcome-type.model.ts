/** An outcome type's definition: part of the catalog's event contract (OutcomeTypePublished). */
export type VerificationModel = 'capi_verified' | 'guarantee_backed';
export const VERIFICATION_MODELS: readonly VerificationModel[] = ['capi_verified', 'guarantee_backed'];

export type MetricType = 'boolean' | 'number' | 'integer' | 'string';
export type Operator = 'eq' | 'gt' | 'gte' | 'lt' | 'lte' | 'contains' | 'matches';
export const OPERATORS: readonly Operator[] = ['eq', 'gt', 'gte', 'lt', 'lte', 'contains', 'matches'];

/** Which operators make sense for a metric of each type; a metric may allow fewer. */
export const OPERATORS_BY_TYPE: Readonly<Record<MetricType, readonly Operator[]>> = {
  boolean: ['eq'],
  number: ['eq', 'gt', 'gte', 'lt', 'lte'],
  integer: ['eq', 'gt', 'gte', 'lt', 'lte'],
  string: ['eq', 'contains', 'matches'],
};

/** One signal a buyer may put in its success criteria and report through the Conversions API. */
export interface MetricSpec {
  /** snake_case, unique within the type: `resolution_confirmed`, `customer_satisfaction`. */
  readonly name: string;
  readonly type: MetricType;
  readonly description: string;
  readonly operators: readonly Operator[];
  /** Bounds of a numeric metric's values (a CSAT score is 1 to 5); absent when unbounded. */
  readonly min?: number;
  readonly max?: number;
}

export interface SuccessCriteriaSchema {
  /** The success definition in plain words, as the wizard shows it. */
  readonly definition: string;
  readonly metrics: readonly MetricSpec[];
}

export interface ClaimWindow {
  readonly minDays: number;
  readonly maxDays: number;
  readonly defaultDays: number;
}

/** A kind of defect a guarantee covers or excludes; claims name their kind. */
export interface DefectKind {
  /** snake_case: `missed_critical_bug`. */
  readonly kind: string;
  readonly description: string;
}

export interface Attribution {
  /** How long after delivery a conversion still counts for this outcome. */
  readonly windowDays: number;
  /** What the outcome counts as when the window closes without a conversion. */
  readonly defaultOutcome: 'success' | 'failure';
  /** The rule in plain words: "successful when neither reopened nor escalated within 7 days". */
  readonly rule: string;
}

export interface OutcomeTypeDefinition {
  readonly name: string;
  readonly description: string;
  readonly verification: VerificationModel;
  readonly successCriteria: SuccessCriteriaSchema;
  /** Bounds and default of the guarantee claim window; null for cAPI-verified types. */
  readonly claimWindow: ClaimWindow | null;
  /** Typical price of one outcome, in micro-dollars. */
  readonly typicalPrice: { readonly minMicros: number; readonly maxMicros: number };
  readonly coverage: { readonly covered: readonly DefectKind[]; readonly excluded: readonly DefectKind[] };
  readonly defaultDeliverySeconds: number;
  readonly attribution: Attribution;
}
