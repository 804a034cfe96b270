// yuv420ToRgb: limited-range 4:2:0 to full-range RGB with the right matrix, against known values.
import { describe, expect, it } from 'vitest';
import { colorMatrixFor, yuv420ToRgb } from '../src/frames/yuv-to-rgb.js';

/** A 2x2 picture of one colour. */
function picture(y: number, cb: number, cr: number): Uint8Array {
  return Uint8Array.from([y, y, y, y, cb, cr]);
}

function firstPixel(y: number, cb: number, cr: number, matrix: Parameters<typeof yuv420ToRgb>[3]): number[] {
  const rgb = new Uint8Array(12);
  yuv420ToRgb(picture(y, cb, cr), 2, 2, matrix, rgb);
  return [...rgb.subarray(0, 3)];
}

describe('yuv420ToRgb', () => {
  it('maps limited-range black, white and grey to full range', () => {
    expect(firstPixel(16, 128, 128, 'bt709')).toEqual([0, 0, 0]);
    expect(firstPixel(235, 128, 128, 'bt709')).toEqual([255, 255, 255]);
    expect(firstPixel(126, 128, 128, 'bt601')).toEqual([128, 128, 128]);
  });

  it('decodes 75 % bars with each matrix (ITU values, within one level)', () => {
    // 75 % red: BT.709 Y'CbCr (51, 109, 212); BT.601 (65, 100, 212). Both are RGB (191, 0, 0).
    const near = (got: number[], want: number[]): void => got.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThanOrEqual(1));
    near(firstPixel(51, 109, 212, 'bt709'), [191, 0, 0]);
    near(firstPixel(65, 100, 212, 'bt601'), [191, 0, 0]);
    // The same code values read with the wrong matrix are visibly off: the matrix matters.
    expect(Math.abs(firstPixel(51, 109, 212, 'bt601')[0]! - 191)).toBeGreaterThan(8);
    // 75 % green and blue, BT.709.
    near(firstPixel(133, 63, 52, 'bt709'), [0, 191, 0]);
    near(firstPixel(28, 212, 120, 'bt709'), [0, 0, 191]);
  });

  it('clamps values outside the legal range', () => {
    expect(firstPixel(0, 128, 128, 'bt709')).toEqual([0, 0, 0]);
    expect(firstPixel(255, 128, 128, 'bt709')).toEqual([255, 255, 255]);
  });

  it('takes chroma per 2x2 block', () => {
    // 4x2: the left block red (BT.709 75 %), the right block blue.
    const yuv = Uint8Array.from([51, 51, 28, 28, 51, 51, 28, 28, 109, 212, 212, 120]);
    const rgb = new Uint8Array(4 * 2 * 3);
    yuv420ToRgb(yuv, 4, 2, 'bt709', rgb);
    expect(rgb[0]).toBeGreaterThan(185);
    expect(rgb[3 * 3 + 2]).toBeGreaterThan(185);
    expect(rgb[4 * 3 + 3 * 3 + 2]).toBeGreaterThan(185);
  });

  it('refuses odd sizes and short buffers', () => {
    expect(() => yuv420ToRgb(new Uint8Array(100), 3, 2, 'bt709', new Uint8Array(100))).toThrow(/even/);
    expect(() => yuv420ToRgb(new Uint8Array(5), 2, 2, 'bt709', new Uint8Array(12))).toThrow(/bytes/);
  });
});

describe('colorMatrixFor', () => {
  it('follows the tag, and the size for untagged video', () => {
    expect(colorMatrixFor('bt709', 480)).toBe('bt709');
    expect(colorMatrixFor('smpte170m', 1080)).toBe('bt601');
    expect(colorMatrixFor('bt470bg', 576)).toBe('bt601');
    expect(colorMatrixFor('bt2020nc', 2160)).toBe('bt2020');
    expect(colorMatrixFor(undefined, 1080)).toBe('bt709');
    expect(colorMatrixFor(undefined, 576)).toBe('bt601');
  });
});
