import type { ConversionSource } from './facts';

/** The optimizer's knobs; every one is configuration of the service (see its config.ts). */
export interface OptimizerSettings {
  /**
   * How far each source's verdict is trusted: the probability it is right, 0.5 (worthless) to 1
   * (seed 002's trust tiers). A conversion is evidence in proportion (see `softLabel`).
   */
  readonly trust: Readonly<Record<ConversionSource, number>>;
  /** How far the type's default verdict is trusted when the attribution window closes with no conversion. */
  readonly defaultVerdictTrust: number;
  /** An engine's P(success) on a type before any feedback, and how many outcomes that prior is worth. */
  readonly priorMean: number;
  readonly enginePseudoCount: number;
  /** How many outcomes an engine's estimate is worth as the prior of one buyer's (shrinkage). */
  readonly buyerPseudoCount: number;
  /** Awards an engine gets on a type with a sampled (Thompson) P(success) before its estimate alone decides. */
  readonly learningPhase: number;
  /** cost_per_result: how hard the ceiling follows the error, per award (log-scale integral gain). */
  readonly costControlGain: number;
  /** cost_per_result: how many recent awards the running cost per success remembers (half-life). */
  readonly costHalfLife: number;
  /** highest_volume pacing: how hard the ceiling follows being ahead of or behind the even line. */
  readonly pacingGain: number;
}

export const DEFAULT_SETTINGS: OptimizerSettings = {
  trust: { human_reviewer: 0.97, automated_test: 0.97, webhook: 0.9, agent_runner: 0.85, self_report: 0.7 },
  defaultVerdictTrust: 0.6,
  priorMean: 0.7,
  enginePseudoCount: 10,
  buyerPseudoCount: 20,
  learningPhase: 50,
  costControlGain: 0.02,
  costHalfLife: 400,
  pacingGain: 12,
};
