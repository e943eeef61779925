import type { OutcomeTypeDefinition } from '@outcomes/contracts';

export { OPERATORS, OPERATORS_BY_TYPE, VERIFICATION_MODELS } from '@outcomes/contracts';
export type { Attribution, ClaimWindow, DefectKind, MetricSpec, MetricType, Operator, OutcomeTypeDefinition, SuccessCriteriaSchema, VerificationModel } from '@outcomes/contracts';

export interface OutcomeTypePublished {
  readonly type: 'OutcomeTypePublished';
  readonly data: OutcomeTypeDefinition & {
    readonly key: string;
    readonly version: number;
    /** `platform` for the built-in taxonomy, `operator` for custom types. */
    readonly origin: 'platform' | 'operator';
    readonly publishedAt: string;
    readonly publishedBy: string;
  };
}

export type OutcomeTypeEvent = OutcomeTypePublished;
