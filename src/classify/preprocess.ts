// Frames to model input: RGB24 frames of any size squashed to a square float tensor in [0, 1].
import type { Tensor4D } from '@tensorflow/tfjs';
import type { RgbFrame } from '../frames/frame.js';
import type { Tf } from './tf-runtime.js';

/**
 * How pixel values are scaled before a model sees them, as `labels.json` records it. nsfwjs
 * divides by 255 and resizes with `alignCorners`, so the backbone's weights expect exactly this;
 * the compact CNN uses the same so that both architectures share one input pipeline.
 */
export const NORMALISATION = 'rgb/255, bilinear resize to a square (alignCorners, no crop)';

/**
 * Stacks `frames` into a `[n, size, size, 3]` float32 tensor: each frame squashed (no crop) to
 * `size` x `size` with bilinear resampling and scaled to [0, 1] ({@link NORMALISATION}). Frames
 * may differ in size. The caller owns (and disposes) the result.
 *
 * @throws Error when a frame's `data` is not `width * height * 3` bytes.
 */
export function framesToTensor(tf: Tf, frames: readonly RgbFrame[], size: number): Tensor4D {
  return tf.tidy(() => {
    if (frames.length === 0) return tf.zeros([0, size, size, 3]) as Tensor4D;
    const first = frames[0]!;
    const sameSize = frames.every((f) => f.width === first.width && f.height === first.height);
    if (sameSize) {
      // One upload and one resize for the whole batch (the usual case: one decode tap).
      const pixels = first.width * first.height * 3;
      const packed = new Uint8Array(pixels * frames.length);
      frames.forEach((frame, i) => packed.set(checked(frame), i * pixels));
      const batch = tf.tensor4d(packed, [frames.length, first.height, first.width, 3], 'int32');
      return resizeAndScale(tf, batch, size);
    }
    const each = frames.map((frame) => resizeAndScale(tf, tf.tensor4d(checked(frame), [1, frame.height, frame.width, 3], 'int32'), size));
    return tf.concat(each, 0);
  });
}

function resizeAndScale(tf: Tf, batch: Tensor4D, size: number): Tensor4D {
  const scaled = tf.div(tf.cast(batch, 'float32'), 255) as Tensor4D;
  const [, height, width] = batch.shape;
  if (height === size && width === size) return scaled;
  return tf.image.resizeBilinear(scaled, [size, size], true);
}

function checked(frame: RgbFrame): Uint8Array {
  const expected = frame.width * frame.height * 3;
  if (frame.data.length !== expected) {
    throw new Error(`frame ${frame.index}: ${frame.data.length} bytes of RGB24 for ${frame.width}x${frame.height} (expected ${expected})`);
  }
  return frame.data;
}
