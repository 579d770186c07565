/**
 * Formatting of figures that SQL already computed. Amounts arrive as exact decimal strings in 元
 * (DECIMAL(18,2) from DuckDB) and are converted to 亿元/万元 by shifting the decimal point on
 * integers, so the printed digits are exactly the rounded value, never a float artefact.
 */

/** An amount in 元 as DuckDB returns a DECIMAL: a string such as "-1234.50" (or a number). */
export type Yuan = string | number;

const YUAN_PER = { yi: 8, wan: 4, yuan: 0 } as const;

/** The unit an amount is printed in: 亿元, 万元 or 元. */
export type AmountUnit = keyof typeof YUAN_PER;

/** Rounds an amount in 元 to `digits` decimals of `unit`, half away from zero; returns the plain digits ("-12.35"). */
export function scaleAmount(amount: Yuan, unit: AmountUnit, digits = 2): string {
  const cents = toCents(amount);
  const negative = cents < 0n;
  const abs = negative ? -cents : cents;
  // amount in unit = cents / 10^(2 + shift); keep `digits` decimals.
  const shift = 2 + YUAN_PER[unit] - digits;
  let scaled: bigint;
  if (shift >= 0) {
    const divisor = 10n ** BigInt(shift);
    scaled = (abs + divisor / 2n) / divisor;
  } else {
    scaled = abs * 10n ** BigInt(-shift);
  }
  const text = scaled.toString().padStart(digits + 1, '0');
  const whole = text.slice(0, text.length - digits);
  const fraction = digits > 0 ? `.${text.slice(text.length - digits)}` : '';
  return `${negative && scaled !== 0n ? '-' : ''}${whole}${fraction}`;
}

/** Groups the integer digits of a plain decimal string in thousands: "11234.56" → "11,234.56". */
export function thousands(decimal: string): string {
  const [whole = '', fraction] = decimal.split('.');
  const sign = whole.startsWith('-') ? '-' : '';
  const digits = sign ? whole.slice(1) : whole;
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}${grouped}${fraction === undefined ? '' : `.${fraction}`}`;
}

function toCents(amount: Yuan): bigint {
  const text = typeof amount === 'number' ? amount.toFixed(2) : amount.trim();
  const match = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(text);
  if (!match) throw new Error(`"${text}" is not an amount in 元 with at most 2 decimals.`);
  const [, sign, whole, fraction = ''] = match;
  const cents = BigInt(whole!) * 100n + BigInt(fraction.padEnd(2, '0'));
  return sign ? -cents : cents;
}

/**
 * Rounds a rate (a DOUBLE such as 3.2499999999 from SQL) to `digits` decimals, half away from zero.
 * The tiny nudge absorbs binary representation error so that 0.05 rounds like the decimal 0.05.
 */
export function roundRate(value: number, digits = 1): string {
  const factor = 10 ** digits;
  const rounded = (Math.sign(value) * Math.round(Math.abs(value) * factor + 1e-9)) / factor;
  return (Object.is(rounded, -0) ? 0 : rounded).toFixed(digits);
}

/**
 * True when the parts, each rounded to 2 decimals of `unit`, add up to the total rounded the same way.
 * A table whose rounded parts do not add up must say so (DOMAIN: rounded parts and totals).
 */
export function roundedPartsAddUp(parts: Yuan[], total: Yuan, unit: AmountUnit = 'yi'): boolean {
  const cents = (a: Yuan) => BigInt(scaleAmount(a, unit).replace('.', ''));
  return parts.reduce((s, p) => s + cents(p), 0n) === cents(total);
}
