// Training kernels for the WASM backend: the missing Conv2DBackpropFilter, and faster paths for two slow ones.
import { backend_util, getKernel, registerKernel, unregisterKernel, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs';
import type { Tf } from './tf-runtime.js';

/** What training reports say about gradients when these kernels did the work. */
export const WASM_GRADIENT_NOTE = 'The WASM backend has no Conv2DBackpropFilter kernel; roughcut supplied one '
  + '(im2col in JS, then the backend\'s own BatchMatMul), and routes BatchMatMul with transposed operands and '
  + 'stride-1 "same" Conv2DBackpropInput through the backend\'s fast Transpose and Conv2D kernels; '
  + 'all checked against the cpu backend in test/classifier-train.test.ts.';

/** The parts of the WASM backend the kernels use (it is not exported as a type we can import). */
interface WasmBackendLike {
  readSync(dataId: object): Float32Array;
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array;
  disposeData(dataId: object): boolean;
}

type Conv2dPad = 'valid' | 'same' | number | backend_util.ExplicitPadding;

/** The convolution attributes both gradient kernels take. */
interface Conv2dGradAttrs {
  strides: [number, number] | number;
  pad: Conv2dPad;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

interface BackpropFilterAttrs extends Conv2dGradAttrs {
  filterShape: [number, number, number, number];
}

interface BackpropInputAttrs extends Conv2dGradAttrs {
  inputShape: [number, number, number, number];
}

/** The backend's own kernels, kept before any of them is replaced. */
const original = new Map<string, KernelConfig>();

/**
 * Makes layers models with convolutions train at a usable speed on the `wasm` backend:
 *
 * - registers Conv2DBackpropFilter, which the backend lacks (without it `fit` fails on the first
 *   conv layer's weight gradient);
 * - routes BatchMatMul with `transposeA`/`transposeB` (every dense layer's gradients) through
 *   the Transpose kernel first: the backend's own transposed path measured 5-20x slower here
 *   (x[32,16384]ᵀ·dy[32,512]: 1011 ms against 49 ms);
 * - computes Conv2DBackpropInput for stride-1 "same" convolutions with odd filters as a forward
 *   Conv2D with the flipped, transposed filter (XNNPACK), falling back to the backend's kernel
 *   otherwise.
 *
 * Idempotent and per thread, like kernel registration itself. Inference is unaffected except
 * that transposed matrix products get faster.
 *
 * @returns {@link WASM_GRADIENT_NOTE} when roughcut supplied the kernels, `undefined` when the
 *   backend ships its own Conv2DBackpropFilter (a later TF.js) and nothing was changed.
 */
export function ensureWasmGradients(tf: Tf): string | undefined {
  const existing = tf.getKernel('Conv2DBackpropFilter', 'wasm');
  if (existing) return existing.kernelFunc === conv2dBackpropFilter ? WASM_GRADIENT_NOTE : undefined;
  replace('BatchMatMul', batchMatMul);
  replace('Conv2DBackpropInput', conv2dBackpropInput);
  registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2dBackpropFilter });
  return WASM_GRADIENT_NOTE;
}

/** Swaps a registered wasm kernel's function, keeping its setup (which binds the WASM export). */
function replace(name: string, kernelFunc: KernelFunc): void {
  const config = getKernel(name, 'wasm');
  if (!config) throw new Error(`the wasm backend has no ${name} kernel`);
  original.set(name, config);
  unregisterKernel(name, 'wasm');
  registerKernel({ ...config, kernelFunc });
}

function originalKernel(name: string): KernelFunc {
  const config = original.get(name) ?? getKernel(name, 'wasm');
  if (!config) throw new Error(`the wasm backend has no ${name} kernel`);
  return config.kernelFunc;
}

/**
 * Products with a transposed operand run untransposed after an explicit Transpose, choosing the
 * cheaper identity: op(A)·op(B) directly (transposing the flagged operands), or
 * (op(B)ᵀ·op(A)ᵀ)ᵀ (transposing the unflagged operands and the result). A dense layer's input
 * gradient dy·Wᵀ is the second kind: it transposes the small dy and result instead of W.
 */
const batchMatMul: KernelFunc = (args) => {
  const { inputs, backend, attrs } = args;
  const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
  const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
  const plain = originalKernel('BatchMatMul');
  if (!transposeA && !transposeB) return plain(args);
  const wasm = backend as unknown as WasmBackendLike;
  const size = (t: TensorInfo): number => t.shape.reduce((p, q) => p * q, 1);
  const rows = a.shape[a.shape.length - (transposeA ? 1 : 2)]!;
  const cols = b.shape[b.shape.length - (transposeB ? 2 : 1)]!;
  const direct = (transposeA ? size(a) : 0) + (transposeB ? size(b) : 0);
  const swapped = (transposeA ? 0 : size(a)) + (transposeB ? 0 : size(b)) + (size(a) / (a.shape[a.shape.length - 1]! * a.shape[a.shape.length - 2]!)) * rows * cols;
  const temporary: TensorInfo[] = [];
  const transposed = (t: TensorInfo): TensorInfo => {
    const out = swapLastTwo(t, backend);
    temporary.push(out);
    return out;
  };
  try {
    if (direct <= swapped) {
      return plain({ inputs: { a: transposeA ? transposed(a) : a, b: transposeB ? transposed(b) : b }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } });
    }
    const product = plain({ inputs: { a: transposeB ? b : transposed(b), b: transposeA ? a : transposed(a) }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } }) as TensorInfo;
    temporary.push(product);
    return swapLastTwo(product, backend);
  } finally {
    for (const t of temporary) wasm.disposeData(t.dataId);
  }
};

function swapLastTwo(x: TensorInfo, backend: object): TensorInfo {
  const rank = x.shape.length;
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return originalKernel('Transpose')({ inputs: { x }, backend: backend as never, attrs: { perm } }) as TensorInfo;
}

/**
 * dW = im2col(x)ᵀ · dy. The transposed patch matrix (rows are filter taps in `[fh, fw, inC]`
 * order, the filter's own layout; columns are output positions) is written straight into the
 * WASM heap, and the product runs in the backend's BatchMatMul without transposes.
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
  const positions = batchSize * outHeight * outWidth;
  const taps = filterHeight * filterWidth * inChannels;

  const xs = wasm.readSync(x.dataId);
  const cols = wasm.makeOutput([1, taps, positions], 'float32');
  // The view is taken after the allocation above: a heap growth would detach an earlier one.
  const colValues = wasm.typedArrayFromHeap(cols);
  let tap = 0;
  for (let ky = 0; ky < filterHeight; ky++) {
    for (let kx = 0; kx < filterWidth; kx++) {
      for (let c = 0; c < inChannels; c++, tap++) {
        let out = tap * positions;
        for (let b = 0; b < batchSize; b++) {
          const batchBase = b * inHeight * inWidth * inChannels + c;
          for (let oy = 0; oy < outHeight; oy++) {
            const iy = oy * strideHeight + ky - top;
            if (iy < 0 || iy >= inHeight) {
              colValues.fill(0, out, out + outWidth);
              out += outWidth;
              continue;
            }
            const rowBase = batchBase + iy * inWidth * inChannels;
            for (let ox = 0; ox < outWidth; ox++) {
              const ix = ox * strideWidth + kx - left;
              colValues[out++] = ix < 0 || ix >= inWidth ? 0 : xs[rowBase + ix * inChannels]!;
            }
          }
        }
      }
    }
  }

  // A view of dy as [1, positions, outC]; BatchMatMul reshapes (and releases) its inputs itself.
  const dyRows: TensorInfo = { dataId: dy.dataId, shape: [1, positions, outChannels], dtype: dy.dtype };
  const product = originalKernel('BatchMatMul')({ inputs: { a: cols, b: dyRows }, backend, attrs: { transposeA: false, transposeB: false } }) as TensorInfo;
  wasm.disposeData(cols.dataId);
  product.shape = [...filterShape];
  return product;
};

/**
 * dx for a stride-1 "same" convolution with an odd filter is the "same" convolution of dy with
 * the filter rotated 180° and its channel axes swapped; that runs in the fast forward Conv2D.
 * Anything else goes to the backend's own (slower) kernel.
 */
const conv2dBackpropInput: KernelFunc = (args) => {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode } = attrs as unknown as BackpropInputAttrs;
  const [fh, fw, inC, outC] = filter.shape as [number, number, number, number];
  const stride1 = strides === 1 || (Array.isArray(strides) && strides[0] === 1 && strides[1] === 1);
  if (!stride1 || pad !== 'same' || dataFormat !== 'NHWC' || fh % 2 === 0 || fw % 2 === 0 || filter.dtype !== 'float32') {
    return originalKernel('Conv2DBackpropInput')(args);
  }
  const wasm = backend as unknown as WasmBackendLike;
  const w = wasm.readSync(filter.dataId);
  const flipped = wasm.makeOutput([fh, fw, outC, inC], 'float32');
  const values = wasm.typedArrayFromHeap(flipped);
  for (let ky = 0; ky < fh; ky++) {
    for (let kx = 0; kx < fw; kx++) {
      const src = ((fh - 1 - ky) * fw + (fw - 1 - kx)) * inC * outC;
      const dst = (ky * fw + kx) * outC * inC;
      for (let i = 0; i < inC; i++) {
        for (let o = 0; o < outC; o++) values[dst + o * inC + i] = w[src + i * outC + o]!;
      }
    }
  }
  try {
    return getKernel('Conv2D', 'wasm')!.kernelFunc({
      inputs: { x: dy, filter: flipped },
      backend,
      attrs: { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1], ...(dimRoundingMode ? { dimRoundingMode } : {}) },
    });
  } finally {
    wasm.disposeData(flipped.dataId);
  }
};
