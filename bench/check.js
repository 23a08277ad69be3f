// Results are checked against the plain-JS baseline before anything is timed.
// Numbers (losses): relative tolerance 1e-4. Float32Arrays: each element within
// 1e-4 relative, plus 1e-6 of the reference's largest magnitude (so values
// near zero are judged at the array's scale, not their own). Int32Arrays
// (argmax's indices): exactly.
const RTOL = 1e-4;
const ATOL_OF_MAX = 1e-6;

/** A description of how got differs from ref, or null when it matches. */
export function mismatch(got, ref, what = 'result') {
  if (typeof ref === 'number') {
    if (typeof got !== 'number') return `${what} is ${typeof got}, expected a number`;
    if (Math.abs(got - ref) <= RTOL * Math.abs(ref)) return null;
    return `${what} is ${got}, expected ${ref} (relative error ${(Math.abs(got - ref) / Math.abs(ref)).toExponential(1)})`;
  }
  if (ref instanceof Int32Array) {
    if (!(got instanceof Int32Array) || got.length !== ref.length) {
      return `${what} is ${got?.constructor?.name}(${got?.length}), expected Int32Array(${ref.length})`;
    }
    for (let i = 0; i < ref.length; i++) if (got[i] !== ref[i]) return `${what}[${i}] is ${got[i]}, expected ${ref[i]}`;
    return null;
  }
  if (ref instanceof Float32Array) {
    if (!(got instanceof Float32Array) || got.length !== ref.length) {
      return `${what} is ${got?.constructor?.name}(${got?.length}), expected Float32Array(${ref.length})`;
    }
    let scale = 0;
    for (let i = 0; i < ref.length; i++) scale = Math.max(scale, Math.abs(ref[i]));
    for (let i = 0; i < ref.length; i++) {
      if (!(Math.abs(got[i] - ref[i]) <= RTOL * Math.abs(ref[i]) + ATOL_OF_MAX * scale)) {
        return `${what}[${i}] is ${got[i]}, expected ${ref[i]}`;
      }
    }
    return null;
  }
  for (const key of Object.keys(ref)) {
    const m = mismatch(got?.[key], ref[key], `${what}.${key}`);
    if (m) return m;
  }
  return null;
}
