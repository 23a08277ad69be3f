// Every result is checked against the float64 reference (simdloss's js backend,
// on the same input) before anything is timed, with the README's tolerance:
// |got − ref| ≤ 1e-5 + 1.3e-6·|ref| for each number (NaN matches NaN, ±∞ only
// itself), integer results (argmax's Int32Array) exactly. A candidate module may
// declare another tolerance (`export const tolerance = { abs, rel }`); the
// harness then also keeps what fails the README's (loop.js).
// Plain ESM with no Node imports.

export const TOLERANCE = Object.freeze({ abs: 1e-5, rel: 1.3e-6 });

const describe = (v) => (ArrayBuffer.isView(v) || Array.isArray(v) ? `${v.constructor.name}(${v.length})` : v === null ? 'null' : typeof v);
const isArray = (v) => (ArrayBuffer.isView(v) && !(v instanceof DataView)) || Array.isArray(v);

/** Whether got is within the tolerance of ref (default: the README's). */
export function close(got, ref, { abs, rel } = TOLERANCE) {
  if (typeof got !== 'number') return false;
  if (Number.isNaN(ref)) return Number.isNaN(got);
  if (!Number.isFinite(ref)) return got === ref;
  return Math.abs(got - ref) <= abs + rel * Math.abs(ref);
}

/**
 * How `got` differs from `ref` first, or null when it matches: { part?, index, got, expected, message }.
 * index is null for a single number, or where the kind or length is wrong; part names the
 * member of an object result ('loss', 'grad').
 */
export function mismatch(got, ref, tolerance = TOLERANCE, part = undefined) {
  const at = (index, g, e, why = '') => ({
    ...(part ? { part } : {}),
    index,
    got: g,
    expected: e,
    message: `${part ?? 'result'}${index === null ? '' : `[${index}]`} is ${g}, expected ${e}${why}`,
  });
  if (typeof ref === 'number') return close(got, ref, tolerance) ? null : at(null, typeof got === 'number' ? got : describe(got), ref);
  if (isArray(ref)) {
    if (!isArray(got) || got.length !== ref.length) return at(null, describe(got), describe(ref));
    const exact = ref instanceof Int32Array;
    for (let i = 0; i < ref.length; i++) {
      if (exact ? got[i] !== ref[i] : !close(got[i], ref[i], tolerance)) return at(i, got[i], ref[i]);
    }
    return null;
  }
  for (const key of Object.keys(ref)) {
    const m = mismatch(got?.[key], ref[key], tolerance, part ? `${part}.${key}` : key);
    if (m) return m;
  }
  return null;
}
