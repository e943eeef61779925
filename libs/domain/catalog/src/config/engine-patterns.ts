/** Engine patterns: exact names or `*` wildcards (`experimental-*`, `gpt-5-*`). */
export function matchesEnginePattern(pattern: string, engine: string): boolean {
  const parts = pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\-]/g, '\\$&'));
  return new RegExp(`^${parts.join('.*')}$`).test(engine);
}

export const matchesAny = (patterns: readonly string[], engine: string): boolean => patterns.some((p) => matchesEnginePattern(p, engine));

/** Whether the buyer's preferences let an engine take the work (the auction filters by this). */
export function engineAllowed(prefs: { readonly allowedEngines: readonly string[]; readonly blockedEngines: readonly string[]; readonly requiredEngine: string | null }, engine: string): boolean {
  if (prefs.requiredEngine !== null) return prefs.requiredEngine === engine;
  if (matchesAny(prefs.blockedEngines, engine)) return false;
  return prefs.allowedEngines.length === 0 || matchesAny(prefs.allowedEngines, engine);
}
