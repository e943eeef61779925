import { int, loadConfig } from '@outcomes/config';
import { serviceSettings } from '@outcomes/platform';

export const claimsSettings = {
  ...serviceSettings,
  takeRateBps: int('TAKE_RATE_BPS', 1000, { min: 0, max: 10_000 }, "the platform's fee on each charge, in basis points (1000: 10%)"),
  defaultCoverageMultiple: int('DEFAULT_COVERAGE_MULTIPLE', 10, { min: 1, max: 1000 }, 'guarantee coverage when the configuration sets no max payout: this many times the price'),
} as const;

export type ClaimsConfig = ReturnType<typeof loadClaimsConfig>;
export const loadClaimsConfig = (env: NodeJS.ProcessEnv = process.env) => loadConfig(claimsSettings, env);
