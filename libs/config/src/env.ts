/**
 * Typed reading of the environment. Each app declares its settings once in its `config.ts`
 * and calls `loadConfig`; a missing or malformed value stops the app at start with every
 * problem named, instead of failing later at first use.
 */
export type Source = Readonly<Record<string, string | undefined>>;

export interface Setting<T> {
  readonly env: string;
  readonly description: string;
  parse(raw: string | undefined): T;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

const invalid = (env: string, reason: string): never => {
  throw new ConfigError([`${env}: ${reason}`]);
};

export const str = (env: string, fallback: string | undefined, description = ''): Setting<string> => ({
  env,
  description,
  parse: (raw) => (raw !== undefined && raw !== '' ? raw : fallback ?? invalid(env, 'is required')),
});

export const optionalStr = (env: string, description = ''): Setting<string | undefined> => ({
  env,
  description,
  parse: (raw) => (raw === undefined || raw === '' ? undefined : raw),
});

export const int = (env: string, fallback: number, opts: { min?: number; max?: number } = {}, description = ''): Setting<number> => ({
  env,
  description,
  parse: (raw) => {
    if (raw === undefined || raw === '') return fallback;
    if (!/^-?\d+$/.test(raw.trim())) return invalid(env, `must be an integer, got "${raw}"`);
    const value = Number(raw);
    if (opts.min !== undefined && value < opts.min) return invalid(env, `must be >= ${opts.min}, got ${value}`);
    if (opts.max !== undefined && value > opts.max) return invalid(env, `must be <= ${opts.max}, got ${value}`);
    return value;
  },
});

/** `30,120,600`: whole numbers, each at least `min`; an empty list only when `allowEmpty`. */
export const intList = (env: string, fallback: readonly number[], opts: { min?: number } = {}, description = ''): Setting<number[]> => ({
  env,
  description,
  parse: (raw) => {
    if (raw === undefined || raw.trim() === '') return [...fallback];
    const parts = raw.split(',').map((x) => x.trim());
    if (!parts.every((x) => /^\d+$/.test(x))) return invalid(env, `must be comma-separated whole numbers, got "${raw}"`);
    const values = parts.map(Number);
    if (opts.min !== undefined && values.some((v) => v < opts.min!)) return invalid(env, `each must be >= ${opts.min}, got "${raw}"`);
    return values;
  },
});

export const bool = (env: string, fallback: boolean, description = ''): Setting<boolean> => ({
  env,
  description,
  parse: (raw) => {
    if (raw === undefined || raw === '') return fallback;
    const v = raw.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(v)) return true;
    if (['0', 'false', 'no', 'off'].includes(v)) return false;
    return invalid(env, `must be true or false, got "${raw}"`);
  },
});

export const oneOf = <T extends string>(env: string, values: readonly T[], fallback: T, description = ''): Setting<T> => ({
  env,
  description,
  parse: (raw) => {
    if (raw === undefined || raw === '') return fallback;
    return (values as readonly string[]).includes(raw) ? (raw as T) : invalid(env, `must be one of ${values.join(', ')}, got "${raw}"`);
  },
});

type Parsed<S> = { readonly [K in keyof S]: S[K] extends Setting<infer T> ? T : never };

/** Parses every setting, collecting all problems before failing. */
export function loadConfig<S extends Record<string, Setting<unknown>>>(settings: S, source: Source = process.env): Parsed<S> {
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(settings)) {
    try {
      out[key] = setting.parse(source[setting.env]);
    } catch (err) {
      if (err instanceof ConfigError) problems.push(...err.problems);
      else throw err;
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return out as Parsed<S>;
}
