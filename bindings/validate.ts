// Every check of user input, in one place. Each throws a TypeError (wrong
// kind of value) or RangeError (wrong length, value or option) whose message
// starts with the argument's name, before any kernel runs. Arrays come back
// as plain views of the caller's memory (arrays.ts), options as a snapshot:
// what a caller's getter or subclass says is read once, here.
import { describe, kindOf, knownView, plainView, type F32, type I32, type KindName } from './arrays.js';
import { HALF_DTYPES, Half, type HalfDtype, type MaybeHalf } from './half.js';
import { notFreed, notInFreedMemory } from './views.js';

export type Options = Record<string, unknown>;

/** One-kind lists for plainView, made once: small calls feel every allocation. */
const ONLY = {
  Float32Array: ['Float32Array'],
  Int32Array: ['Int32Array'],
  Uint16Array: ['Uint16Array'],
  Float16Array: ['Float16Array'],
} as const;

/** A plain view of one kind, refusing freed kernel-memory views (and, in
 *  plainView, detached buffers); one seen since the last free passed them. */
function view<K extends keyof typeof ONLY>(name: string, v: unknown, kind: K, expected: string) {
  return viewOf(name, v, ONLY[kind] as unknown as readonly K[], expected);
}
function viewOf<K extends KindName>(name: string, v: unknown, kinds: readonly K[], expected: string) {
  const seen = knownView(v, kinds);
  if (seen !== undefined) return seen;
  notFreed(name, v);
  const a = plainView(name, v, kinds, expected);
  notInFreedMemory(name, a);
  return a;
}

/** A Float32Array (possibly empty: an empty batch). */
export function floats(name: string, v: unknown): F32 {
  return view(name, v, 'Float32Array', 'a Float32Array');
}

const LOGITS = 'a Float32Array, a Float16Array or a Uint16Array of half-precision bits (with dtype)';

/**
 * Logits that may be half precision: a Float32Array, a Float16Array (read as
 * float16; dtype absent or 'float16'), or a Uint16Array of bits with dtype
 * 'float16' or 'bfloat16' (the options' dtype: a Uint16Array without one is
 * a TypeError saying how to pass it).
 */
export function logits(name: string, v: unknown, dtype0: unknown): MaybeHalf {
  const dtype = dtype0 === undefined ? undefined : oneOf<HalfDtype>('dtype', dtype0, HALF_DTYPES, 'float16');
  const kind = kindOf(v);
  if (kind !== 'Uint16Array' && kind !== 'Float16Array') {
    const x = view(name, v, 'Float32Array', LOGITS);
    if (dtype !== undefined) {
      throw new TypeError(`dtype ('${dtype}') says how to read a Uint16Array of half-precision bits, but ${name} is a Float32Array`);
    }
    return x;
  }
  if (kind === 'Float16Array') {
    if (dtype === 'bfloat16') throw new TypeError(`${name} is a Float16Array, which holds float16 values, but dtype is 'bfloat16'`);
    return new Half(bitsView(name, v, kind, LOGITS), 'float16');
  }
  const a = bitsView(name, v, kind, LOGITS);
  if (dtype === undefined) {
    throw new TypeError(
      `${name} is a Uint16Array: say how to read its bits with dtype: 'float16' or 'bfloat16' in the options (for row-wise functions, { out, dtype }), or pass a Float32Array`,
    );
  }
  return new Half(a, dtype);
}

/** A Uint16Array's or Float16Array's plain view, as the bits (a Uint16Array over the same memory). */
function bitsView(name: string, v: unknown, kind: 'Uint16Array' | 'Float16Array', expected: string): Uint16Array {
  const a = view(name, v, kind, expected);
  return kind === 'Float16Array' ? new Uint16Array(a.buffer, a.byteOffset, a.length) : a;
}

/** The format a gradient is written in: float32, or half-precision bits. */
export type GradDtype = 'float32' | HalfDtype;
const GRAD_DTYPES: readonly GradDtype[] = ['float32', ...HALF_DTYPES];

/** gradDtype: 'float32' (default), 'float16' or 'bfloat16'. */
export const gradDtype = (v: unknown): GradDtype => oneOf('gradDtype', v, GRAD_DTYPES, 'float32');

/**
 * A gradient output (`out` or `grad`, by name) of `length` elements in the
 * format dtype says: a Float32Array, or for a half format a Uint16Array of
 * bits (a Float16Array for 'float16' too), carried as a Half; a new one where
 * v is absent. Each wrong kind is a TypeError saying what to pass.
 */
export function gradArray(name: string, v: unknown, dtype: GradDtype, length: number): MaybeHalf {
  const kind = kindOf(v);
  if (dtype === 'float32') {
    if (kind === 'Uint16Array' || kind === 'Float16Array') {
      throw new TypeError(
        `${name} is a ${kind}: pass gradDtype: 'float16' or 'bfloat16' to have the gradient written as half-precision bits, or pass a Float32Array`,
      );
    }
    return outArray(v, Float32Array, length, name);
  }
  if (v === undefined || v === null) return new Half(new Uint16Array(length), dtype);
  const kinds = dtype === 'float16' ? 'a Uint16Array of float16 bits or a Float16Array' : 'a Uint16Array of bfloat16 bits';
  if (kind !== 'Uint16Array' && !(kind === 'Float16Array' && dtype === 'float16')) {
    throw new TypeError(
      `${name} must be ${kinds} for gradDtype '${dtype}', got ${describe(v)} (a Float32Array gradient: leave gradDtype out)`,
    );
  }
  const a = bitsView(name, v, kind, kinds);
  sameLength(name, a, length);
  return new Half(a, dtype);
}

/** classes: a positive integer dividing x.length; returns the row count. */
export function rowsOf(x: { length: number }, xName: string, classes: unknown, spatial = 1): number {
  if (typeof classes !== 'number') throw new TypeError(`classes must be a number (the length of a row), got ${describe(classes)}`);
  if (!Number.isInteger(classes) || classes < 1 || classes >= 2 ** 31) {
    throw new RangeError(`classes must be a positive integer, got ${classes}`);
  }
  const block = classes * spatial;
  if (x.length % block !== 0) {
    const what = spatial === 1 ? `classes (${classes})` : `classes·spatial (${classes}·${spatial})`;
    throw new RangeError(`${xName}.length (${x.length}) is not a multiple of ${what}`);
  }
  return (x.length / block) * spatial;
}

function sameLength(name: string, v: ArrayBufferView & { length: number }, length: number, hint = ''): void {
  if (v.length !== length) throw new RangeError(`${name}.length must be ${length}, got ${v.length}${hint}`);
}

/** A Float32Array argument of an exact length. */
export function floatsOfLength(name: string, v: unknown, length: number, hint = ''): F32 {
  const a = floats(name, v);
  sameLength(name, a, length, hint);
  return a;
}

const PROBABILITY_KINDS = ['Float32Array', 'Float64Array'] as const;

/** Probability targets of an exact length: a Float32Array where it lies, a Float64Array converted. */
export function probabilities(name: string, v: unknown, length: number): F32 {
  const hint = ' (a float array is read as probabilities, one per logit; class indices need an integer array such as Int32Array)';
  const a = viewOf(name, v, PROBABILITY_KINDS, 'a Float32Array');
  if (a.length !== length) throw new RangeError(`${name}.length must be ${length}, got ${a.length}${hint}`);
  return a instanceof Float32Array ? a : new Float32Array(a);
}

const INTEGER_KINDS = ['Int32Array', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Uint32Array'] as const;
const TARGETS = 'an Int32Array, an integer typed array or number[] (class indices)';

/**
 * Class indices as an Int32Array: an Int32Array is used where it lies, any
 * other integer typed array or number[] is copied (a number[]'s elements are
 * read once, here).
 */
export function indexTargets(name: string, v: unknown, rows: number): I32 {
  let t: I32;
  if (Array.isArray(v)) {
    const n = v.length;
    t = new Int32Array(n);
    for (let i = 0; i < n; i++) t[i] = targetNumber(`${name}[${i}]`, v[i]);
  } else {
    const kind = kindOf(v);
    if (kind === 'Float32Array' || kind === 'Float64Array') {
      throw new TypeError(
        `${name} must be ${TARGETS}, got a ${kind}: a float array is read as probabilities, which this function does not take`,
      );
    }
    const a = viewOf(name, v, INTEGER_KINDS, TARGETS);
    if (a instanceof Int32Array) t = a;
    else {
      t = new Int32Array(a.length);
      for (let i = 0; i < a.length; i++) t[i] = targetNumber(`${name}[${i}]`, a[i]);
    }
  }
  sameLength(name, t, rows);
  return t;
}

function targetNumber(name: string, x: unknown): number {
  if (typeof x !== 'number') throw new TypeError(`${name} must be a number (a class index), got ${describe(x)}`);
  if (!Number.isInteger(x) || x < -(2 ** 31) || x >= 2 ** 31)
    throw new RangeError(`${name} must be an integer class index, got ${describe(x)}`);
  return x;
}

/** The option names a backward function adds to its forward's, made once
 *  (small calls feel every allocation): gradOutput; with a gradient that may
 *  be half precision, gradDtype; where the gradient is a second output, grad. */
export const NO_KEYS: readonly string[] = [];
export const BACKWARD_KEYS: readonly string[] = ['gradOutput'];
export const HALF_BACKWARD_KEYS: readonly string[] = ['gradOutput', 'gradDtype'];
export const WITH_GRAD_KEYS: readonly string[] = ['grad', 'gradOutput', 'gradDtype'];

/**
 * The options object's own enumerable properties, each read once (a getter
 * runs here and never again), restricted to the keys of allowed and extra
 * (catches typos such as ignore_index).
 */
export function options(v: unknown, allowed: readonly string[], extra = NO_KEYS): Options {
  const o: Options = {}; // an own '__proto__' key is refused below, before any assignment
  if (v === undefined || v === null) return o;
  if (typeof v !== 'object' || Array.isArray(v) || ArrayBuffer.isView(v)) {
    throw new TypeError(`options must be an object, got ${describe(v)}`);
  }
  for (const key of Object.keys(v)) {
    if (!allowed.includes(key) && !extra.includes(key)) {
      throw new RangeError(`unknown option '${key}' (expected one of ${[...allowed, ...extra].join(', ')})`);
    }
    o[key] = (v as Options)[key];
  }
  return o;
}

export function oneOf<T extends string>(name: string, v: unknown, values: readonly T[], fallback: T): T {
  if (v === undefined) return fallback;
  if (typeof v !== 'string' || !values.includes(v as T)) {
    throw new RangeError(`${name} must be one of ${values.map((s) => `'${s}'`).join(', ')}, got ${describe(v)}`);
  }
  return v as T;
}

export function integer(name: string, v: unknown, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number') throw new TypeError(`${name} must be a number, got ${describe(v)}`);
  if (!Number.isInteger(v) || Math.abs(v) >= 2 ** 31) throw new RangeError(`${name} must be a 32-bit integer, got ${v}`);
  return v;
}

export function inRange(name: string, v: unknown, lo: number, hi: number, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number') throw new TypeError(`${name} must be a number, got ${describe(v)}`);
  if (!(v >= lo && v <= hi)) throw new RangeError(`${name} must be in [${lo}, ${hi}], got ${v}`);
  return v;
}

/** A finite number above lo (strict) or at least lo; fallback where absent. */
export function finite(name: string, v: unknown, lo: number, strict: boolean, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number') throw new TypeError(`${name} must be a number, got ${describe(v)}`);
  if (!(Number.isFinite(v) && (strict ? v > lo : v >= lo))) {
    throw new RangeError(`${name} must be a finite number ${strict ? '>' : '≥'} ${lo}, got ${v}`);
  }
  return v;
}

export function bool(name: string, v: unknown, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') throw new TypeError(`${name} must be a boolean, got ${describe(v)}`);
  return v;
}

/** Optional Float32Array of an exact length. */
export function optionalFloats(name: string, v: unknown, length: number): F32 | null {
  return v === undefined || v === null ? null : floatsOfLength(name, v, length);
}

/** An output array (`out`, or `grad`), if given: the right typed array at the right length; else a new one. */
export function outArray<T extends F32 | I32>(v: unknown, Kind: { new (n: number): T; name: string }, length: number, name = 'out'): T {
  if (v === undefined || v === null) return new Kind(length);
  const kind = (Kind as unknown) === Int32Array ? 'Int32Array' : 'Float32Array';
  const a = view(name, v, kind, kind === 'Int32Array' ? 'an Int32Array' : 'a Float32Array') as T;
  sameLength(name, a, length);
  return a;
}

/** gradOutput: a number for 'mean'/'sum'; a number or per-item Float32Array for 'none'. */
export function gradOutput(v: unknown, reduction: string, items: number): { scale: number; array: F32 | null } {
  if (v === undefined) return { scale: 1, array: null };
  if (typeof v === 'number') return { scale: v, array: null };
  if (reduction !== 'none') throw new TypeError(`gradOutput must be a number for reduction '${reduction}', got ${describe(v)}`);
  return { scale: 1, array: floatsOfLength('gradOutput', v, items) };
}

/** A broadcast weight (BCE's weight / posWeight): full length or a divisor of it. */
export function broadcastWeight(name: string, v: unknown, length: number): F32 | null {
  if (v === undefined || v === null) return null;
  const w = floats(name, v);
  if (w.length === 0 || length % w.length !== 0) {
    throw new RangeError(`${name}.length (${w.length}) must divide the input's length (${length})`);
  }
  return w;
}
