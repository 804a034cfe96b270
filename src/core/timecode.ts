// SMPTE timecode: formatting and parsing from integer frame indexes, drop-frame done right.
import { type Rational, toNumber, formatRational } from './rational.js';

/** How a frame index is written as timecode: the real rate and whether drop-frame counting is used. */
export interface TimecodeFormat {
  readonly fps: Rational;
  readonly dropFrame: boolean;
}

/** The integer frame count per timecode second for a rate: 24 for 24000/1001, 30 for 30000/1001. */
export function timecodeBase(fps: Rational): number {
  const base = Math.round(toNumber(fps));
  if (base < 1) throw new RangeError(`frame rate ${formatRational(fps)} is too low for SMPTE timecode`);
  return base;
}

/** Drop-frame counting exists only for the NTSC rates 30000/1001 and 60000/1001. */
export function canDropFrame(fps: Rational): boolean {
  return fps.den === 1001 && (fps.num === 30000 || fps.num === 60000);
}

/** Frame numbers skipped at the start of each non-tenth minute: 2 at 29.97, 4 at 59.94. */
function droppedPerMinute(base: number): number {
  return Math.round(base / 15);
}

function checkFormat(format: TimecodeFormat): void {
  if (format.dropFrame && !canDropFrame(format.fps)) {
    throw new RangeError(`drop-frame timecode is defined only for 29.97 and 59.94, not ${formatRational(format.fps)}`);
  }
}

/** Frames in one 24-hour timecode day; timecode wraps after it. */
export function framesPerDay(format: TimecodeFormat): number {
  checkFormat(format);
  const base = timecodeBase(format.fps);
  if (!format.dropFrame) return base * 86_400;
  const drop = droppedPerMinute(base);
  return base * 86_400 - drop * (24 * 60 - 24 * 6);
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/**
 * Formats a 0-based frame index as SMPTE timecode: `HH:MM:SS:FF`, or `HH:MM:SS;FF` for
 * drop-frame. Indexes past 24 hours wrap, as a timecode generator does.
 */
export function framesToTimecode(frame: number, format: TimecodeFormat): string {
  if (!Number.isInteger(frame) || frame < 0) throw new RangeError(`frame index must be a non-negative integer, got ${frame}`);
  checkFormat(format);
  const base = timecodeBase(format.fps);
  let n = frame % framesPerDay(format);
  if (format.dropFrame) {
    const drop = droppedPerMinute(base);
    const perMinute = base * 60 - drop;
    const perTenMinutes = base * 600 - drop * 9;
    const tens = Math.floor(n / perTenMinutes);
    const rest = n % perTenMinutes;
    n += drop * 9 * tens;
    if (rest > drop) n += drop * Math.floor((rest - drop) / perMinute);
  }
  const ff = n % base;
  const totalSeconds = Math.floor(n / base);
  const ss = totalSeconds % 60;
  const mm = Math.floor(totalSeconds / 60) % 60;
  const hh = Math.floor(totalSeconds / 3600);
  const sep = format.dropFrame ? ';' : ':';
  return `${pad2(hh)}:${pad2(mm)}:${pad2(ss)}${sep}${pad2(ff)}`;
}

const TIMECODE = /^(\d{1,2})[:;.,](\d{2})[:;.,](\d{2})([:;.,])(\d{2,3})$/;

/** True when the timecode is written in drop-frame form (`;`, `.` or `,` before the frames). */
export function isDropFrameNotation(tc: string): boolean {
  const m = TIMECODE.exec(tc.trim());
  return m !== null && m[4] !== ':';
}

/**
 * Parses SMPTE timecode into a 0-based frame index. Drop-frame is taken from `format.dropFrame`
 * (a `;` in the text is accepted either way). Throws on malformed text, fields out of range, and
 * frame numbers that drop-frame counting skips (`00:01:00;00`).
 */
export function timecodeToFrames(tc: string, format: TimecodeFormat): number {
  checkFormat(format);
  const m = TIMECODE.exec(tc.trim());
  if (!m) throw new RangeError(`not a SMPTE timecode: "${tc}" (expected HH:MM:SS:FF)`);
  const [hh, mm, ss, ff] = [m[1], m[2], m[3], m[5]].map(Number) as [number, number, number, number];
  const base = timecodeBase(format.fps);
  if (hh > 23 || mm > 59 || ss > 59 || ff >= base) {
    throw new RangeError(`timecode "${tc}" is out of range at ${base} frames per second`);
  }
  let frames = ((hh * 60 + mm) * 60 + ss) * base + ff;
  if (format.dropFrame) {
    const drop = droppedPerMinute(base);
    const totalMinutes = hh * 60 + mm;
    if (ss === 0 && ff < drop && mm % 10 !== 0) {
      throw new RangeError(`timecode "${tc}" does not exist in drop-frame counting (frames 0-${drop - 1} are skipped)`);
    }
    frames -= drop * (totalMinutes - Math.floor(totalMinutes / 10));
  }
  return frames;
}

/** The `FCM:` line's value in a CMX 3600 EDL. */
export function fcmName(format: TimecodeFormat): 'DROP FRAME' | 'NON-DROP FRAME' {
  return format.dropFrame ? 'DROP FRAME' : 'NON-DROP FRAME';
}
