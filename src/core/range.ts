// Frame ranges: integer frame indexes, half-open [startFrame, endFrame).

/** A half-open range of frame indexes `[startFrame, endFrame)`. */
export interface FrameRange {
  readonly startFrame: number;
  readonly endFrame: number;
}
