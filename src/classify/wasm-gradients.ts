// The one gradient kernel the WASM backend lacks (Conv2DBackpropFilter), built on its own BatchMatMul.
import { backend_util, getKernel, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs';
import type { Tf } from './tf-runtime.js';

/** What training reports say about gradients when this kernel did the work. */
export const WASM_GRADIENT_NOTE = 'The WASM backend has no Conv2DBackpropFilter kernel; roughcut supplied one '
  + '(im2col in JS, then the backend\'s own BatchMatMul), checked against the cpu backend in test/classifier-train.test.ts.';

/** The parts of the WASM backend the kernel uses (it is not exported as a type we can import). */
interface WasmBackendLike {
  readSync(dataId: object): Float32Array;
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array;
  disposeData(dataId: object): boolean;
}

interface BackpropFilterAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

/**
 * Registers Conv2DBackpropFilter for the `wasm` backend when it has none, so that layers models
 * with convolutions train there (without it, `fit` fails on the first conv layer's weight
 * gradient). Idempotent and per thread, like kernel registration itself.
 *
 * @returns {@link WASM_GRADIENT_NOTE} when the kernel was (or already had been) supplied by
 *   roughcut, `undefined` when the backend ships its own.
 */
export function ensureWasmGradients(tf: Tf): string | undefined {
  const existing = tf.getKernel('Conv2DBackpropFilter', 'wasm');
  if (existing) return existing.kernelFunc === conv2dBackpropFilter ? WASM_GRADIENT_NOTE : undefined;
  tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2dBackpropFilter });
  return WASM_GRADIENT_NOTE;
}

/**
 * dW = im2col(x)ᵀ · dy. The patch matrix is written straight into the WASM heap (rows are output
 * positions, columns are filter taps in `[fh, fw, inC]` order, which is the filter's own layout),
 * and the product runs in the backend's BatchMatMul with `transposeA`.
 */
const conv2dBackpropFilter: KernelFunc = ({ inputs, backend, attrs }) => {
  const wasm = backend as unknown as WasmBackendLike;
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as BackpropFilterAttrs;
  if (dataFormat === 'NCHW') throw new Error('Conv2DBackpropFilter (roughcut wasm kernel): only NHWC is supported');
  const info = backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const rows = batchSize * outHeight * outWidth;
  const taps = filterHeight * filterWidth * inChannels;

  const xs = wasm.readSync(x.dataId);
  const cols = wasm.makeOutput([1, rows, taps], 'float32');
  // The view is taken after the allocation above: a heap growth would detach an earlier one.
  const colValues = wasm.typedArrayFromHeap(cols);
  colValues.fill(0);
  let row = 0;
  for (let b = 0; b < batchSize; b++) {
    const batchBase = b * inHeight * inWidth * inChannels;
    for (let oy = 0; oy < outHeight; oy++) {
      for (let ox = 0; ox < outWidth; ox++, row++) {
        let col = row * taps;
        for (let ky = 0; ky < filterHeight; ky++) {
          const iy = oy * strideHeight + ky - top;
          if (iy < 0 || iy >= inHeight) { col += filterWidth * inChannels; continue; }
          for (let kx = 0; kx < filterWidth; kx++) {
            const ix = ox * strideWidth + kx - left;
            if (ix < 0 || ix >= inWidth) { col += inChannels; continue; }
            const src = batchBase + (iy * inWidth + ix) * inChannels;
            for (let c = 0; c < inChannels; c++) colValues[col++] = xs[src + c]!;
          }
        }
      }
    }
  }

  const batchMatMul = wasmKernel('BatchMatMul');
  // A view of dy as [1, rows, outC]; BatchMatMul reshapes (and releases) its inputs itself.
  const dyRows: TensorInfo = { dataId: dy.dataId, shape: [1, rows, outChannels], dtype: dy.dtype };
  const product = batchMatMul({ inputs: { a: cols, b: dyRows }, backend, attrs: { transposeA: true, transposeB: false } }) as TensorInfo;
  wasm.disposeData(cols.dataId);
  product.shape = [...filterShape];
  return product;
};

/** The WASM backend's BatchMatMul (registered when the backend package loads). */
function wasmKernel(name: string): KernelFunc {
  const config = getKernel(name, 'wasm');
  if (!config) throw new Error(`the wasm backend has no ${name} kernel`);
  return config.kernelFunc;
}
