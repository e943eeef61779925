export type VerificationModel = 'capi_verified' | 'guarantee_backed';

export interface OutcomeTypeDefinition {
  readonly name: string;
  readonly description: string;
  readonly verification: VerificationModel;
}

export interface OutcomeTypePublished {
  readonly type: 'OutcomeTypePublished';
  readonly data: OutcomeTypeDefinition & { readonly key: string; readonly version: number; readonly publishedAt: string };
}

export type OutcomeTypeEvent = OutcomeTypePublished;
