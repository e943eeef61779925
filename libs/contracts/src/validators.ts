import { registerDecorator, type ValidationArguments } from 'class-validator';

const register = (name: string, validate: (value: unknown, args: ValidationArguments) => boolean, message: (args: ValidationArguments) => string): PropertyDecorator =>
  (target: object, propertyName: string | symbol) =>
    registerDecorator({ name, target: target.constructor, propertyName: String(propertyName), validator: { validate, defaultMessage: (args) => message(args!) } });

/**
 * A field of one variant of a union keyed by `discriminator` (`bid_cap` of the `bid_cap` strategy):
 * required and checked in that variant, refused in the others, so a stray field is named rather
 * than silently dropped.
 */
export function ForVariant(discriminator: string, variants: readonly string[], check: (v: unknown) => boolean, what: string, optional = false): PropertyDecorator {
  return register(
    'forVariant',
    (value, args) => {
      const variant = String((args.object as Record<string, unknown>)[discriminator]);
      if (!variants.includes(variant)) return value === undefined;
      return value === undefined ? optional : check(value);
    },
    (args) => {
      const variant = String((args.object as Record<string, unknown>)[discriminator]);
      if (!variants.includes(variant)) return `${args.property} applies only when ${discriminator} is ${variants.join(' or ')}`;
      return `${args.property} ${args.value === undefined ? 'is required' : `must be ${what}`} when ${discriminator} is ${variant}`;
    },
  );
}

/** `{ "token": "…" }`: string keys and values, as connector credentials are. */
export function IsStringRecord(maxEntries = 20, maxLength = 4096): PropertyDecorator {
  return register(
    'isStringRecord',
    (v) =>
      typeof v === 'object' &&
      v !== null &&
      !Array.isArray(v) &&
      Object.keys(v).length >= 1 &&
      Object.keys(v).length <= maxEntries &&
      Object.entries(v).every(([k, x]) => k.length > 0 && k.length <= 100 && typeof x === 'string' && x.length <= maxLength),
    (args) => `${args.property} must be an object of 1 to ${maxEntries} string values of at most ${maxLength} characters`,
  );
}

/** Free-form metadata: string keys, scalar values. */
export function IsScalarRecord(maxEntries = 50): PropertyDecorator {
  return register(
    'isScalarRecord',
    (v) =>
      typeof v === 'object' &&
      v !== null &&
      !Array.isArray(v) &&
      Object.keys(v).length <= maxEntries &&
      Object.values(v).every((x) => ['string', 'number', 'boolean'].includes(typeof x) && (typeof x !== 'string' || x.length <= 1000)),
    (args) => `${args.property} must be an object of at most ${maxEntries} string, number or boolean values`,
  );
}

/** A success criterion's value: a boolean, a finite number or a string. */
export function IsCriterionValue(): PropertyDecorator {
  return register(
    'isCriterionValue',
    (v) => typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v.length <= 1000),
    (args) => `${args.property} must be a boolean, a number or a string`,
  );
}

export const isHttpUrl = (v: unknown): boolean => {
  if (typeof v !== 'string' || v.length > 2000) return false;
  try {
    const u = new URL(v);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
};

export const isNonEmptyString = (max: number) => (v: unknown): boolean => typeof v === 'string' && v.trim().length > 0 && v.length <= max;
export const isStringArray = (maxItems: number, maxLength: number) => (v: unknown): boolean =>
  Array.isArray(v) && v.length <= maxItems && v.every((x) => typeof x === 'string' && x.length > 0 && x.length <= maxLength);

/** https, or plain http to this machine only (a local receiver while developing). */
export const isWebhookUrl = (v: unknown): boolean => {
  if (!isHttpUrl(v)) return false;
  const u = new URL(String(v));
  return u.protocol === 'https:' || ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
};
