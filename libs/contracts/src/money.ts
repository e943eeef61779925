import { registerDecorator, type ValidationArguments, type ValidationOptions } from 'class-validator';

/** Decimal US dollars, at most 6 decimals (micro-dollars), no sign or exponent. */
const USD = /^(0|[1-9]\d{0,9})(\.\d{1,6})?$/;
const MAX_MICROS = 1_000_000_000 * 1_000_000;

/** "0.42" → 420000 micro-dollars. Integer arithmetic on the digits: no float touches money. */
export function parseUsd(s: string): number {
  const m = typeof s === 'string' ? USD.exec(s) : null;
  if (!m) throw new RangeError(`"${String(s)}" is not a decimal amount of US dollars`);
  const micros = Number(m[1]) * 1_000_000 + Number((m[2] ?? '.').slice(1).padEnd(6, '0'));
  if (micros > MAX_MICROS) throw new RangeError(`"${s}" is more than 1000000000 dollars`);
  return micros;
}

/** 420000 → "0.42"; at least two decimals, more only when the micro-dollars need them. */
export function formatUsd(micros: number): string {
  if (!Number.isSafeInteger(micros) || micros < 0) throw new RangeError(`${micros} is not a count of micro-dollars`);
  const whole = Math.floor(micros / 1_000_000);
  const fraction = String(micros % 1_000_000).padStart(6, '0').replace(/0{1,4}$/, '');
  return `${whole}.${fraction.padEnd(2, '0')}`;
}

/** A balance, which may be negative: -420000 → "-0.42". */
export const formatSignedUsd = (micros: number): string => (micros < 0 ? `-${formatUsd(-micros)}` : formatUsd(micros));

export const isUsd = (v: unknown): v is string => {
  if (typeof v !== 'string') return false;
  try {
    parseUsd(v);
    return true;
  } catch {
    return false;
  }
};

export const isPositiveUsd = (v: unknown): boolean => isUsd(v) && parseUsd(v) > 0;

/** A decimal-string amount of US dollars; `positive` refuses zero. */
export function IsUsd(options: { positive?: boolean } = {}, validation?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isUsd',
      target: target.constructor,
      propertyName: String(propertyName),
      options: validation ?? {},
      validator: {
        validate: (v: unknown) => isUsd(v) && (!options.positive || parseUsd(v) > 0),
        defaultMessage: (args?: ValidationArguments) =>
          `${args?.property ?? 'amount'} must be a decimal string of US dollars with at most 6 decimals, such as "0.42"${options.positive ? ', above zero' : ''}`,
      },
    });
}
