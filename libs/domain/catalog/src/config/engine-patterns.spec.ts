import { engineAllowed, matchesEnginePattern } from './engine-patterns';

const prefs = (over: Partial<Parameters<typeof engineAllowed>[0]> = {}) => ({ allowedEngines: [], blockedEngines: [], requiredEngine: null, ...over });

describe('engine patterns', () => {
  it.each([
    ['claude-code', 'claude-code', true],
    ['claude-code', 'claude-code-2', false],
    ['gemini-pro-*', 'gemini-pro-1.5', true],
    ['*-beta', 'gpt-5-beta', true],
    ['gpt.5', 'gpt-5', false],
    ['*', 'anything', true],
  ])('%s matches %s: %s', (pattern, engine, expected) => {
    expect(matchesEnginePattern(pattern, engine)).toBe(expected);
  });

  it('blocks before it allows, and a required engine overrides both lists', () => {
    expect(engineAllowed(prefs({ blockedEngines: ['experimental-*'] }), 'experimental-1')).toBe(false);
    expect(engineAllowed(prefs({ allowedEngines: ['claude-*'] }), 'gpt-5')).toBe(false);
    expect(engineAllowed(prefs({ allowedEngines: ['claude-*'] }), 'claude-code')).toBe(true);
    expect(engineAllowed(prefs(), 'anything')).toBe(true);
    expect(engineAllowed(prefs({ requiredEngine: 'gpt-5' }), 'claude-code')).toBe(false);
  });
});
