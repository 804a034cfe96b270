// Exact rational numbers for frame rates and time bases: 30000/1001, never 29.97.

/** A rational number `num / den` with `den > 0`, kept in lowest terms. */
export interface Rational {
  readonly num: number;
  readonly den: number;
}

function gcd(a: number, b: number): number {
  let x = Math.abs(a);
  let y = Math.abs(b);
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}

/** Builds a rational in lowest terms; throws on a zero or non-integer denominator. */
export function rational(num: number, den = 1): Rational {
  if (!Number.isInteger(num) || !Number.isInteger(den) || den === 0) {
    throw new RangeError(`not a rational: ${num}/${den}`);
  }
  const sign = den < 0 ? -1 : 1;
  const g = gcd(num, den) || 1;
  return { num: (sign * num) / g, den: (sign * den) / g };
}

/**
 * Parses `"30000/1001"`, `"25"`, `"25/1"`; also the decimal spellings editors type
 * (`"29.97"`, `"23.976"`, `"59.94"`), which map to their exact NTSC rationals.
 * Returns undefined for `"0/0"` and anything unparseable.
 */
export function parseRational(text: string): Rational | undefined {
  const t = text.trim();
  const frac = /^(-?\d+)\s*[/:]\s*(\d+)$/.exec(t);
  if (frac) {
    const num = Number(frac[1]);
    const den = Number(frac[2]);
    if (den === 0) return undefined;
    return rational(num, den);
  }
  if (/^\d+$/.test(t)) return rational(Number(t), 1);
  if (/^\d+\.\d+$/.test(t)) {
    const value = Number(t);
    const ntsc = Math.round(value * 1.001);
    if (Math.abs(value - ntsc / 1.001) < 0.01 && Math.abs(value - Math.round(value)) > 0.001) {
      return rational(ntsc * 1000, 1001);
    }
    const scale = 10 ** (t.length - t.indexOf('.') - 1);
    return rational(Math.round(value * scale), scale);
  }
  return undefined;
}

/** The rational's value as a float, for display and for seconds (never for frame maths). */
export function toNumber(r: Rational): number {
  return r.num / r.den;
}

/** `"30000/1001"` */
export function formatRational(r: Rational): string {
  return `${r.num}/${r.den}`;
}

/** Seconds at frame index `frame` of a constant rate `fps` (frame / fps). */
export function framesToSeconds(frame: number, fps: Rational): number {
  return (frame * fps.den) / fps.num;
}

/** The frame index that contains time `seconds` at rate `fps`, rounded to the nearest frame. */
export function secondsToFrames(seconds: number, fps: Rational): number {
  return Math.round((seconds * fps.num) / fps.den);
}
