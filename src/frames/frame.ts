// The frame record that the decode hands to every consumer.

/** A decoded frame at one consumer's size, tightly packed RGB24 (`width * height * 3` bytes). */
export interface RgbFrame {
  /** 0-based index of the decoded frame in presentation order. */
  readonly index: number;
  /** Presentation time in seconds from the start of the stream (exact for VFR input). */
  readonly ptsSeconds: number;
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}
