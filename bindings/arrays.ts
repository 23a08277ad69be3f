// Typed arrays as the engine sees them, not as a caller describes them. A
// subclass can override `length`, `subarray` or `set`, and a Proxy can claim
// any prototype; the kernels trust the lengths and addresses the bindings
// derive, so every argument is read through the intrinsic %TypedArray%
// accessors once and replaced by a plain view of the same memory, which no
// caller code can change.

export type F32 = Float32Array;
export type I32 = Int32Array;

const TypedArray = Object.getPrototypeOf(Uint8Array.prototype) as object;
const intrinsic = (key: PropertyKey) => Object.getOwnPropertyDescriptor(TypedArray, key)!.get!;
const TAG = intrinsic(Symbol.toStringTag);
const LENGTH = intrinsic('length');
const OFFSET = intrinsic('byteOffset');
const BUFFER = intrinsic('buffer');

/** The runtime's Float16Array, or undefined (Node 20 has none; ES2022's lib
 *  does not declare it), typed as a Uint16Array: it is read as bits. */
const Float16: typeof Uint16Array | undefined = (globalThis as { Float16Array?: typeof Uint16Array }).Float16Array;

/** Every typed-array kind, by the name the engine gives it. */
const KINDS = {
  Float32Array,
  Float64Array,
  Int32Array,
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Uint32Array,
  // without one, a class that no argument can be an instance of
  Float16Array: Float16 ?? class NoFloat16Array extends Uint16Array {},
} as const;
export type KindName = keyof typeof KINDS;
type ViewOf<K extends KindName> = InstanceType<(typeof KINDS)[K]>;

/** The engine's name for a typed array's kind ('Float32Array', …), or undefined for anything else (a Proxy too). */
export function kindOf(v: unknown): string | undefined {
  return TAG.call(v) as string | undefined;
}

/** Whether a typed array's buffer was detached (transferred): only an empty view can be over one. */
function detached(buffer: ArrayBufferLike): boolean {
  if (buffer.byteLength !== 0 || (typeof SharedArrayBuffer === 'function' && buffer instanceof SharedArrayBuffer)) return false;
  try {
    new Uint8Array(buffer);
    return false;
  } catch {
    return true;
  }
}

/** A description of a value for error messages. */
export function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  const kind = kindOf(v);
  if (kind) return `a ${kind}`;
  if (Array.isArray(v)) return 'an Array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'function') return 'a function';
  return `${typeof v} ${String(v)}`;
}

/**
 * What was learned of an array: its plain view, kind and extent, and the
 * address memory.ts found for it (home, in the memory homeOf: −1 outside
 * it). A typed array over a buffer that cannot resize keeps its offset and
 * length for life (a detached one shows length 0), so all of it can be
 * reused, one lookup instead of a check per fact, which small calls feel;
 * until the next free (forgetViews), after which each array is checked again.
 */
export interface Extent {
  buffer: ArrayBufferLike;
  start: number;
  end: number;
  home: number;
  homeOf: object | null;
}
interface Known extends Extent {
  view: ArrayBufferView & { length: number };
  kind: KindName;
  epoch: number;
}
/** Per caller's array and per plain view made for one. */
const known = new WeakMap<object, Known>();
let epoch = 0;
/** A view was freed: what was learned of any array may be out of date. */
export function forgetViews(): void {
  epoch++;
}

/** The plain view made for v since the last free, if v is of one of the kinds: it passed every check then. */
export function knownView<K extends KindName>(v: unknown, kinds: readonly K[]): ViewOf<K> | undefined {
  const k = typeof v === 'object' && v !== null ? known.get(v) : undefined;
  return k !== undefined && k.epoch === epoch && k.view.length !== 0 && kinds.includes(k.kind as K) ? (k.view as ViewOf<K>) : undefined;
}
const RESIZABLE = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'resizable')?.get;
/** SharedArrayBuffer's own getter, also where the global is hidden (a page
 *  without cross-origin isolation still has shared wasm memory). */
let growable: (() => unknown) | undefined | null = null;
function growableGetter(): (() => unknown) | undefined {
  if (growable === null) {
    let proto: object | undefined;
    try {
      proto = Object.getPrototypeOf(new WebAssembly.Memory({ initial: 0, maximum: 0, shared: true }).buffer);
    } catch {
      proto = undefined;
    }
    growable = proto && Object.getOwnPropertyDescriptor(proto, 'growable')?.get;
  }
  return growable;
}
/** Whether a buffer can never change size (its views keep their offset and length). */
function fixedSize(buffer: ArrayBufferLike): boolean {
  for (const get of [RESIZABLE, growableGetter()]) {
    if (get === undefined) continue;
    try {
      return get.call(buffer) === false;
    } catch {
      // the other kind of buffer
    }
  }
  return false;
}

/**
 * A plain view (of the engine's own class, over the same memory) of a typed
 * array of one of the given kinds; a TypeError naming the argument for
 * anything else, a RangeError for a view of a detached buffer.
 */
export function plainView<K extends KindName>(name: string, v: unknown, kinds: readonly K[], expected: string): ViewOf<K> {
  // instanceof first (cheap), then the engine's accessors, which throw for
  // anything that only claims the prototype (a Proxy, Object.create(…)).
  let kind: K | undefined;
  for (const k of kinds)
    if (v instanceof KINDS[k]) {
      kind = k;
      break;
    }
  let length: number;
  try {
    if (kind === undefined) throw new TypeError();
    length = LENGTH.call(v) as number;
  } catch {
    throw new TypeError(`${name} must be ${expected}, got ${describe(v)}`);
  }
  const buffer = BUFFER.call(v) as ArrayBufferLike;
  if (length === 0 && detached(buffer)) {
    throw new RangeError(`${name} is empty: its buffer was detached (transferred away); pass an array whose memory is still there`);
  }
  const offset = OFFSET.call(v) as number;
  const view = new KINDS[kind!](buffer as ArrayBuffer, offset, length) as ViewOf<K>;
  if (fixedSize(buffer)) {
    const k: Known = { buffer, start: offset, end: offset + view.byteLength, home: -1, homeOf: null, view, kind: kind!, epoch };
    known.set(v as object, k);
    known.set(view, k);
  }
  return view;
}

/** Where a view's bytes lie: its buffer and [start, end) (what plainView learned, else read now). */
export function extentOf(v: ArrayBufferView): Extent {
  const k = known.get(v);
  return k !== undefined && k.epoch === epoch
    ? k
    : { buffer: v.buffer, start: v.byteOffset, end: v.byteOffset + v.byteLength, home: -1, homeOf: null };
}
