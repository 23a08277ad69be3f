// Channels-first batches (PyTorch's (N, C, d1…dk), `spatial` in the API)
// and the row-major [rows, classes] layout the kernels work on: one sample's
// [C][S] block is the transpose of its [S][C] rows.
import { at, transpose4x4 } from './simd';

/**
 * dst[j·dstStride + i] = src[i·srcStride + j] for i < rows, j < cols: in 4×4
 * blocks of vector loads and shuffles, the edges element by element.
 * Takes: src, srcStride, dst (not overlapping src), dstStride, rows, cols
 * (strides in elements). Writes: dst. Accuracy: exact (bits copied).
 * State: none.
 */
export function transpose(src: usize, srcStride: i32, dst: usize, dstStride: i32, rows: i32, cols: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const step = <usize>dstStride << 2;
    for (; i + 4 <= rows; i += 4) {
      let j = 0;
      for (; j + 4 <= cols; j += 4) {
        const p = at(src, i * srcStride + j), s = <usize>srcStride << 2;
        transpose4x4(v128.load(p), v128.load(p + s), v128.load(p + 2 * s), v128.load(p + 3 * s), at(dst, j * dstStride + i), step);
      }
      for (; j < cols; j++) for (let k = i; k < i + 4; k++) copy(src, srcStride, dst, dstStride, k, j);
    }
  }
  for (; i < rows; i++) for (let j = 0; j < cols; j++) copy(src, srcStride, dst, dstStride, i, j);
}

/** One element of transpose. */
@inline function copy(src: usize, srcStride: i32, dst: usize, dstStride: i32, i: i32, j: i32): void {
  store<f32>(at(dst, j * dstStride + i), load<f32>(at(src, i * srcStride + j)));
}
