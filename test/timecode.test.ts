// SMPTE timecode: every frame of a 24-hour day round-trips at every broadcast rate; drop-frame edges.
import { describe, expect, it } from 'vitest';
import { parseRational, rational, type Rational } from '../src/core/rational.js';
import { framesPerDay, framesToTimecode, timecodeToFrames, type TimecodeFormat } from '../src/core/timecode.js';

const RATES: [string, Rational, boolean][] = [
  ['23.976', rational(24000, 1001), false],
  ['24', rational(24), false],
  ['25', rational(25), false],
  ['29.97 NDF', rational(30000, 1001), false],
  ['29.97 DF', rational(30000, 1001), true],
  ['30', rational(30), false],
  ['50', rational(50), false],
  ['59.94 NDF', rational(60000, 1001), false],
  ['59.94 DF', rational(60000, 1001), true],
  ['60', rational(60), false],
];

describe('timecode round trip over 24 hours', () => {
  for (const [label, fps, dropFrame] of RATES) {
    it(`${label}: every frame formats to a distinct, increasing timecode and parses back`, () => {
      const format: TimecodeFormat = { fps, dropFrame };
      const day = framesPerDay(format);
      const base = Math.round(fps.num / fps.den);
      let previous = '';
      for (let frame = 0; frame < day; frame++) {
        const tc = framesToTimecode(frame, format);
        if (timecodeToFrames(tc, format) !== frame) throw new Error(`${label}: ${frame} -> ${tc} -> ${timecodeToFrames(tc, format)}`);
        if (tc <= previous) throw new Error(`${label}: ${tc} after ${previous}`);
        previous = tc;
      }
      expect(previous).toBe(`23:59:59${dropFrame ? ';' : ':'}${String(base - 1).padStart(2, '0')}`);
      expect(framesToTimecode(day, format)).toBe(`00:00:00${dropFrame ? ';' : ':'}00`);
    });
  }
});

describe('drop-frame minute boundaries', () => {
  const df30: TimecodeFormat = { fps: rational(30000, 1001), dropFrame: true };
  const df60: TimecodeFormat = { fps: rational(60000, 1001), dropFrame: true };

  it('skips ;00 and ;01 at every minute except each tenth at 29.97', () => {
    for (let minute = 1; minute < 24 * 60; minute++) {
      const hh = String(Math.floor(minute / 60)).padStart(2, '0');
      const mm = String(minute % 60).padStart(2, '0');
      const prevMinute = minute - 1;
      const before = `${String(Math.floor(prevMinute / 60)).padStart(2, '0')}:${String(prevMinute % 60).padStart(2, '0')}:59;29`;
      const frame = timecodeToFrames(before, df30);
      const next = framesToTimecode(frame + 1, df30);
      expect(next).toBe(minute % 10 === 0 ? `${hh}:${mm}:00;00` : `${hh}:${mm}:00;02`);
    }
  });

  it('knows the published anchors', () => {
    expect(framesToTimecode(1799, df30)).toBe('00:00:59;29');
    expect(framesToTimecode(1800, df30)).toBe('00:01:00;02');
    expect(framesToTimecode(17982, df30)).toBe('00:10:00;00');
    expect(framesToTimecode(107892, df30)).toBe('01:00:00;00');
    expect(timecodeToFrames('01:00:00;00', df30)).toBe(107892);
    expect(framesToTimecode(3599, df60)).toBe('00:00:59;59');
    expect(framesToTimecode(3600, df60)).toBe('00:01:00;04');
    expect(timecodeToFrames('01:00:00;00', df60)).toBe(215784);
    expect(framesPerDay(df30)).toBe(2589408);
  });

  it('refuses frame numbers that drop-frame counting skips, and malformed text', () => {
    expect(() => timecodeToFrames('00:01:00;00', df30)).toThrow(/does not exist/);
    expect(() => timecodeToFrames('00:01:00;03', df60)).toThrow(/does not exist/);
    expect(timecodeToFrames('00:10:00;00', df30)).toBe(17982);
    expect(() => timecodeToFrames('00:00:00:30', { fps: rational(30), dropFrame: false })).toThrow(/out of range/);
    expect(() => timecodeToFrames('1:2:3', df30)).toThrow(/not a SMPTE timecode/);
    expect(() => framesToTimecode(0, { fps: rational(25), dropFrame: true })).toThrow(/drop-frame/);
  });
});

describe('rationals', () => {
  it('parses exact and decimal NTSC spellings', () => {
    expect(parseRational('30000/1001')).toEqual({ num: 30000, den: 1001 });
    expect(parseRational('29.97')).toEqual({ num: 30000, den: 1001 });
    expect(parseRational('23.976')).toEqual({ num: 24000, den: 1001 });
    expect(parseRational('59.94')).toEqual({ num: 60000, den: 1001 });
    expect(parseRational('50/2')).toEqual({ num: 25, den: 1 });
    expect(parseRational('12.5')).toEqual({ num: 25, den: 2 });
    expect(parseRational('0/0')).toBeUndefined();
  });
});
