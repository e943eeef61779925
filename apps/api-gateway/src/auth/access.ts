import { SetMetadata } from '@nestjs/common';

/** Who may call a route. Buyer routes take a full-scope key unless they say otherwise. */
export type Access = 'public' | 'operator' | 'buyer' | 'conversions' | 'any';
export const ACCESS = 'outcomes:access';

export const Public = () => SetMetadata(ACCESS, 'public' satisfies Access);
export const OperatorOnly = () => SetMetadata(ACCESS, 'operator' satisfies Access);
/** Open to conversions-scope keys as well as full ones. */
export const ConversionsScope = () => SetMetadata(ACCESS, 'conversions' satisfies Access);
/** Any valid key: the operator's, or a buyer's of either scope. */
export const AnyKey = () => SetMetadata(ACCESS, 'any' satisfies Access);
