// Frame ranges: integer frame indexes, half-open [startFrame, endFrame).

/** A half-open range of frame indexes `[startFrame, endFrame)`. */
export interface FrameRange {
  readonly startFrame: number;
  readonly endFrame: number;
}

/** Number of frames in the range. */
export function rangeLength(r: FrameRange): number {
  return r.endFrame - r.startFrame;
}

/** True when `frame` lies inside `[startFrame, endFrame)`. */
export function rangeContains(r: FrameRange, frame: number): boolean {
  return frame >= r.startFrame && frame < r.endFrame;
}

/** Builds a range, checking that both ends are integers and that start <= end. */
export function frameRange(startFrame: number, endFrame: number): FrameRange {
  if (!Number.isInteger(startFrame) || !Number.isInteger(endFrame) || endFrame < startFrame) {
    throw new RangeError(`bad frame range [${startFrame}, ${endFrame})`);
  }
  return { startFrame, endFrame };
}
