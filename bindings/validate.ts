// Every check of user input, in one place. Each throws a TypeError (wrong
// kind of value) or RangeError (wrong length, value or option) whose message
// starts with the argument's name, before any kernel runs.
import type { F32, I32 } from './kernels.js';

export type Reduction = 'mean' | 'sum' | 'none';
export type Options = Record<string, unknown>;

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an Array';
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}

/** Kernel-memory views given back with k.free: using one again is an error. */
const freedViews = new WeakSet<ArrayBufferView>();
export function markFreed(view: ArrayBufferView): void {
  freedViews.add(view);
}
function notFreed(name: string, v: ArrayBufferView): void {
  if (freedViews.has(v)) throw new TypeError(`${name} is a kernel-memory view that was freed (k.free) and cannot be used`);
}

/** A non-empty Float32Array. */
export function floats(name: string, v: unknown): F32 {
  if (!(v instanceof Float32Array)) throw new TypeError(`${name} must be a Float32Array, got ${describe(v)}`);
  notFreed(name, v);
  if (v.length === 0) throw new RangeError(`${name} is empty (or its buffer was detached)`);
  return v;
}

/** classes: a positive integer dividing x.length; returns the row count. */
export function rowsOf(x: F32, xName: string, classes: unknown, spatial = 1): number {
  if (typeof classes !== 'number') throw new TypeError(`classes must be a number, got ${describe(classes)}`);
  if (!Number.isInteger(classes) || classes < 1) throw new RangeError(`classes must be a positive integer, got ${classes}`);
  const block = classes * spatial;
  if (x.length % block !== 0) {
    const what = spatial === 1 ? `classes (${classes})` : `classes·spatial (${classes}·${spatial})`;
    throw new RangeError(`${xName}.length (${x.length}) is not a multiple of ${what}`);
  }
  return (x.length / block) * spatial;
}

function sameLength(name: string, v: { length: number }, length: number): void {
  if (v.length !== length) throw new RangeError(`${name}.length must be ${length}, got ${v.length}`);
}

/** A Float32Array argument of an exact length. */
export function floatsOfLength(name: string, v: unknown, length: number): F32 {
  const a = floats(name, v);
  sameLength(name, a, length);
  return a;
}

const INTEGER_ARRAYS = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Uint32Array];

/** Class indices as an Int32Array (any integer typed array or number[] accepted). */
export function indexTargets(name: string, v: unknown, rows: number): I32 {
  let t: I32;
  if (v instanceof Int32Array) { notFreed(name, v); t = v; }
  else if (INTEGER_ARRAYS.some((A) => v instanceof A) || Array.isArray(v)) {
    const a = v as ArrayLike<unknown>;
    t = new Int32Array(a.length);
    for (let i = 0; i < a.length; i++) {
      const x = a[i];
      if (typeof x !== 'number') throw new TypeError(`${name}[${i}] must be a number (a class index), got ${describe(x)}`);
      if (!Number.isInteger(x) || x < -(2 ** 31) || x >= 2 ** 31) {
        throw new RangeError(`${name}[${i}] must be an integer class index, got ${describe(x)}`);
      }
      t[i] = x;
    }
  } else {
    throw new TypeError(`${name} must be an Int32Array, an integer typed array or number[], got ${describe(v)}`);
  }
  sameLength(name, t, rows);
  return t;
}

/** Options object with only the given keys (catches typos such as ignore_index). */
export function options(v: unknown, allowed: readonly string[]): Options {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v) || ArrayBuffer.isView(v)) {
    throw new TypeError(`options must be an object, got ${describe(v)}`);
  }
  for (const key of Object.keys(v)) {
    if (!allowed.includes(key)) throw new RangeError(`unknown option '${key}' (expected one of ${allowed.join(', ')})`);
  }
  return v as Options;
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

export function bool(name: string, v: unknown, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') throw new TypeError(`${name} must be a boolean, got ${describe(v)}`);
  return v;
}

/** Optional Float32Array of an exact length. */
export function optionalFloats(name: string, v: unknown, length: number): F32 | null {
  return v === undefined || v === null ? null : floatsOfLength(name, v, length);
}

/** An output array (`out`, or `grad`), if given: the right typed array at the right length. */
export function outArray<T extends F32 | I32>(
  v: unknown, Kind: { new (n: number): T; name: string }, length: number, name = 'out',
): T {
  if (v === undefined || v === null) return new Kind(length);
  if (!(v instanceof Kind)) throw new TypeError(`${name} must be a ${Kind.name}, got ${describe(v)}`);
  notFreed(name, v);
  if (v.length === 0 && length > 0) throw new RangeError(`${name} is empty (or its buffer was detached)`);
  sameLength(name, v, length);
  return v;
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
  if (length % w.length !== 0) {
    throw new RangeError(`${name}.length (${w.length}) must divide the input's length (${length})`);
  }
  return w;
}
