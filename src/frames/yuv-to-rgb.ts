// Limited-range Y'CbCr 4:2:0 pictures to packed RGB24, with the source's colour matrix.

/** Luma coefficients (Kr, Kb) of the matrices video is tagged with. */
const MATRICES = {
  bt601: { kr: 0.299, kb: 0.114 },
  bt709: { kr: 0.2126, kb: 0.0722 },
  bt2020: { kr: 0.2627, kb: 0.0593 },
  smpte240m: { kr: 0.212, kb: 0.087 },
} as const;

export type ColorMatrix = keyof typeof MATRICES;

/**
 * The matrix to decode a picture with: the stream's `color_space` tag as ffprobe names it, and
 * for an untagged stream the convention players follow (BT.709 from 720 lines up, BT.601 below).
 */
export function colorMatrixFor(colorSpace: string | undefined, height: number): ColorMatrix {
  switch (colorSpace) {
    case 'bt709': return 'bt709';
    case 'bt2020nc': case 'bt2020c': return 'bt2020';
    case 'smpte240m': return 'smpte240m';
    case 'smpte170m': case 'bt470bg': case 'fcc': return 'bt601';
    default: return height >= 720 ? 'bt709' : 'bt601';
  }
}

/** Fixed-point precision of the coefficients. */
const SHIFT = 16;
const ONE = 1 << SHIFT;

/**
 * Converts one planar Y'CbCr 4:2:0 picture (`width` x `height`, both even; the Y plane then the
 * Cb and Cr planes, limited range: Y' 16-235, Cb/Cr 16-240) into packed RGB24 in `rgb`
 * (`width * height * 3` bytes, full range). Chroma is taken per 2x2 block: the JPEG the picture
 * becomes subsamples it the same way.
 */
export function yuv420ToRgb(yuv: Uint8Array, width: number, height: number, matrix: ColorMatrix, rgb: Uint8Array): void {
  if (width % 2 !== 0 || height % 2 !== 0) throw new RangeError(`4:2:0 pictures have even sides, not ${width}x${height}`);
  const lumaSize = width * height;
  if (yuv.length < lumaSize * 1.5) throw new RangeError(`a ${width}x${height} 4:2:0 picture is ${lumaSize * 1.5} bytes, got ${yuv.length}`);
  if (rgb.length < lumaSize * 3) throw new RangeError(`a ${width}x${height} RGB picture is ${lumaSize * 3} bytes, got ${rgb.length}`);
  const { kr, kb } = MATRICES[matrix];
  const kg = 1 - kr - kb;
  const yScale = 255 / 219;
  const cScale = 255 / 224;
  const cy = Math.round(yScale * ONE);
  const crv = Math.round(2 * (1 - kr) * cScale * ONE);
  const cbu = Math.round(2 * (1 - kb) * cScale * ONE);
  const cgu = Math.round(((2 * (1 - kb) * kb) / kg) * cScale * ONE);
  const cgv = Math.round(((2 * (1 - kr) * kr) / kg) * cScale * ONE);
  const half = ONE >> 1;
  // A clamped view rounds nothing (the sums are shifted first) but clamps to 0-255 on store.
  const out = new Uint8ClampedArray(rgb.buffer, rgb.byteOffset, lumaSize * 3);
  const chromaWidth = width >> 1;
  const cbPlane = lumaSize;
  const crPlane = lumaSize + (lumaSize >> 2);
  let o = 0;
  for (let y = 0; y < height; y++) {
    let luma = y * width;
    let c = (y >> 1) * chromaWidth;
    // Two pixels share a chroma sample: its three terms are worked out once for both.
    for (let x = 0; x < width; x += 2, c++) {
      const u = yuv[cbPlane + c]! - 128;
      const v = yuv[crPlane + c]! - 128;
      const r = crv * v;
      const g = -cgu * u - cgv * v;
      const b = cbu * u;
      const l0 = (yuv[luma++]! - 16) * cy + half;
      out[o] = (l0 + r) >> SHIFT;
      out[o + 1] = (l0 + g) >> SHIFT;
      out[o + 2] = (l0 + b) >> SHIFT;
      const l1 = (yuv[luma++]! - 16) * cy + half;
      out[o + 3] = (l1 + r) >> SHIFT;
      out[o + 4] = (l1 + g) >> SHIFT;
      out[o + 5] = (l1 + b) >> SHIFT;
      o += 6;
    }
  }
}
