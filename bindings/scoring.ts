// Language-model scoring: tokenLogProbs, entropyFromLogits and evaluate over
// row-major [tokens, vocabulary] logits, validated here and run by each
// backend's score kernel (assembly/scoring.ts) in one pass over the logits.
import type { F32, I32, Kernels } from './kernels.js';
import type { Named } from './aliasing.js';
import { describe, kindOf } from './arrays.js';
import * as v from './validate.js';
import type { Logits } from './types.js';
import { memoryOf } from './half.js';

/** What the scoring calls take from createApi (api.ts): the current kernels
 *  (they change on dispose) and its shared checks. */
export interface ScoringContext {
  kernels(): Kernels;
  outputs<T extends F32 | I32 | null>(inputs: () => Named[], outs: [string, unknown, T][]): T[];
  checkedTargets(target: unknown, rows: number, C: number, ignoreIndex: number): I32;
  given<T>(callers: unknown, made: T): T;
}

/** temperature: a positive finite number (default 1). */
function temperatureOf(t: unknown): number {
  if (t === undefined) return 1;
  if (typeof t !== 'number') throw new TypeError(`temperature must be a number, got ${describe(t)}`);
  if (!(t > 0 && t < Infinity)) throw new RangeError(`temperature must be a positive finite number, got ${t}`);
  return t;
}

/** A per-row output of evaluate: not asked (undefined or false), `true` (made
 *  here), or the caller's array of `rows`. */
function perRow<T extends F32 | I32>(name: string, asked: unknown, Kind: { new (n: number): T; name: string }, rows: number): T | null {
  if (asked === undefined || asked === false) return null;
  if (asked === true) return new Kind(rows);
  if (kindOf(asked) === undefined) throw new TypeError(`${name} must be true or a ${Kind.name}, got ${describe(asked)}`);
  return v.outArray(asked, Kind, rows, name);
}

/** Each function's option names, made once (small calls feel every allocation). */
const KEYS = {
  tokenLogProbs: ['temperature', 'ignoreIndex', 'out', 'dtype'],
  entropyFromLogits: ['out', 'temperature', 'dtype'],
  evaluate: ['temperature', 'ignoreIndex', 'logProbs', 'entropy', 'argmax', 'dtype'],
};

export function scoringOperations(ctx: ScoringContext) {
  /** The batch and its class-index targets. */
  function batch(logits: unknown, target: unknown, classes: unknown, o: v.Options) {
    const x = v.logits('logits', logits, o.dtype);
    const rows = v.rowsOf(x, 'logits', classes);
    const C = classes as number;
    const temperature = temperatureOf(o.temperature);
    const ignoreIndex = v.integer('ignoreIndex', o.ignoreIndex, -100);
    const t = ctx.checkedTargets(target, rows, C, ignoreIndex);
    return { x, rows, C, temperature, ignoreIndex, t };
  }

  return {
    tokenLogProbs(logits: Logits, target: ArrayLike<number>, classes: number, opts?: object): F32 {
      const o = v.options(opts, KEYS.tokenLogProbs);
      const { x, rows, C, temperature, ignoreIndex, t } = batch(logits, target, classes, o);
      const [out] = ctx.outputs(
        () => [
          ['logits', memoryOf(x)],
          ['target', t],
        ],
        [['out', o.out, v.outArray(o.out, Float32Array, rows)]],
      );
      ctx.kernels().score({ x, target: t, classes: C, ignoreIndex, temperature, logProbs: out, entropy: null, argmax: null, sums: false });
      return ctx.given(o.out, out);
    },

    entropyFromLogits(logits: Logits, classes: number, last?: unknown): F32 {
      const o = kindOf(last) !== undefined ? { out: last } : v.options(last, KEYS.entropyFromLogits);
      const x = v.logits('logits', logits, o.dtype);
      const rows = v.rowsOf(x, 'logits', classes);
      const temperature = temperatureOf(o.temperature);
      const [out] = ctx.outputs(() => [['logits', memoryOf(x)]], [['out', o.out, v.outArray(o.out, Float32Array, rows)]]);
      const c = { x, target: null, classes: classes as number, ignoreIndex: -100, temperature, logProbs: null, argmax: null, sums: false };
      ctx.kernels().score({ ...c, entropy: out });
      return ctx.given(o.out, out);
    },

    evaluate(logits: Logits, target: ArrayLike<number>, classes: number, opts?: object) {
      const o = v.options(opts, KEYS.evaluate);
      const { x, rows, C, temperature, ignoreIndex, t } = batch(logits, target, classes, o);
      const [logProbs, entropy, argmax] = ctx.outputs<F32 | I32 | null>(
        () => [
          ['logits', memoryOf(x)],
          ['target', t],
        ],
        [
          ['logProbs', o.logProbs, perRow('logProbs', o.logProbs, Float32Array, rows)],
          ['entropy', o.entropy, perRow('entropy', o.entropy, Float32Array, rows)],
          ['argmax', o.argmax, perRow('argmax', o.argmax, Int32Array, rows)],
        ],
      );
      const [nllSum, tokens, correct] = ctx.kernels().score({
        x,
        target: t,
        classes: C,
        ignoreIndex,
        temperature,
        logProbs: logProbs as F32 | null,
        entropy: entropy as F32 | null,
        argmax: argmax as I32 | null,
        sums: true,
      });
      const loss = nllSum / tokens; // 0/0: NaN when every row is ignored
      const result: Record<string, unknown> = { nllSum, tokens, correct, loss, perplexity: Math.exp(loss), accuracy: correct / tokens };
      // the caller's own array where one was given, else the one made here
      if (logProbs) result.logProbs = o.logProbs === true ? logProbs : ctx.given(o.logProbs, logProbs);
      if (entropy) result.entropy = o.entropy === true ? entropy : ctx.given(o.entropy, entropy);
      if (argmax) result.argmax = o.argmax === true ? argmax : ctx.given(o.argmax, argmax);
      return result;
    },
  };
}
