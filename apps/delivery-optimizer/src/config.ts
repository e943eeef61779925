import { int, loadConfig, str } from '@outcomes/config';
import { DEFAULT_SETTINGS, type ConversionSource, type OptimizerSettings } from '@outcomes/domain-optimizer';
import { serviceSettings } from '@outcomes/platform';

const SOURCES: readonly ConversionSource[] = ['human_reviewer', 'automated_test', 'webhook', 'agent_runner', 'self_report'];
const percents = (t: Readonly<Record<string, number>>) => SOURCES.map((s) => `${s}=${Math.round((t[s] ?? 0) * 100)}`).join(',');

export const optimizerSettings = {
  ...serviceSettings,
  trust: str(
    'OPTIMIZER_TRUST',
    percents(DEFAULT_SETTINGS.trust),
    'how far each conversion source is trusted, in percent (the chance its verdict is right; 50 is worthless): source=percent, comma-separated',
  ),
  defaultVerdictTrust: int('OPTIMIZER_DEFAULT_VERDICT_TRUST', Math.round(DEFAULT_SETTINGS.defaultVerdictTrust * 100), { min: 50, max: 100 }, "how far the type's default verdict is trusted when no conversion came, in percent"),
  priorMean: int('OPTIMIZER_PRIOR_PERCENT', Math.round(DEFAULT_SETTINGS.priorMean * 100), { min: 1, max: 99 }, "an engine's P(success) on a type before any feedback, in percent"),
  learningPhase: int('OPTIMIZER_LEARNING_PHASE', DEFAULT_SETTINGS.learningPhase, { min: 0 }, 'awards an engine gets on a type with Thompson-sampled P(success) before its estimate alone ranks it'),
  snapshotSeconds: int('OPTIMIZER_SNAPSHOT_SECONDS', 30, { min: 1 }, 'how often the estimates are saved (when they changed), so a start reads only the events after the snapshot'),
  sweepMs: int('OPTIMIZER_SWEEP_MS', 1000, { min: 10 }, 'how often (ms) the store is swept from the watermark for events JetStream has not brought: often, so each sweep reads little'),
  quoteStateMs: int('OPTIMIZER_QUOTE_STATE_MS', 250, { min: 10 }, 'how often (ms) what a quote reads is published for the auctions to quote from, when it changed (and at least once a second)'),
  feedbackSeconds: int('OPTIMIZER_FEEDBACK_SECONDS', 3600, { min: 1 }, 'how often each engine is sent its delivery and performance indices'),
  maxTracked: int('OPTIMIZER_MAX_TRACKED_OUTCOMES', 200_000, { min: 1000 }, 'outcomes remembered one by one for late feedback (the oldest are forgotten first)'),
} as const;

export type OptimizerConfig = ReturnType<typeof loadOptimizerConfig>;
export const loadOptimizerConfig = (env: NodeJS.ProcessEnv = process.env) => {
  const c = loadConfig(optimizerSettings, env);
  return { ...c, model: modelSettings(c) };
};

/** The model's settings from the service's: trust as `source=percent` pairs, each source named once. */
export function modelSettings(c: { trust: string; defaultVerdictTrust: number; priorMean: number; learningPhase: number }): OptimizerSettings {
  const trust = { ...DEFAULT_SETTINGS.trust };
  for (const pair of c.trust.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [source, value] = pair.split('=');
    const n = Number(value);
    if (!SOURCES.includes(source as ConversionSource) || !Number.isInteger(n) || n < 50 || n > 100) {
      throw new Error(`OPTIMIZER_TRUST: "${pair}" must be source=percent with a source of ${SOURCES.join(', ')} and a percent from 50 to 100`);
    }
    trust[source as ConversionSource] = n / 100;
  }
  return { ...DEFAULT_SETTINGS, trust, defaultVerdictTrust: c.defaultVerdictTrust / 100, priorMean: c.priorMean / 100, learningPhase: c.learningPhase };
}
