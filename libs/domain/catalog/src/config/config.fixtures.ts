import { BUILTIN_OUTCOME_TYPES } from '../outcome-type/builtin-types';
import type { OutcomeTypeDefinition } from '../outcome-type/outcome-type.events';
import type { TypeAt } from './config.decide';

export const builtin = (key: string): OutcomeTypeDefinition => {
  const found = BUILTIN_OUTCOME_TYPES.find((t) => t.key === key);
  if (!found) throw new Error(`no built-in type ${key}`);
  return found.definition;
};

export const typeAt = (key: string, version = 1): TypeAt => ({ pinned: { key, version }, definition: builtin(key) });
