// The worker pool: threads − 1 workers, each with its own instance of the same
// compiled build over the one shared memory, and the calling thread, which
// takes tasks too. A job is one kernel call over a row (or element) range,
// cut into tasks of `grain` rows that every thread takes from one atomic
// counter, so a slower core takes fewer of them. Each task covers whole
// partial-sum blocks, whose slots only the thread running it writes; the
// totals are added in block order afterwards, so results are the same bits
// for every thread count.
//
// The control block (CONTROL_BYTES in shared memory) is all the threads share:
// the caller writes a job there, bumps SEQ and sleeps on DONE with
// Atomics.wait; each worker sleeps on SEQ, runs its tasks and counts itself
// into DONE. Idle workers block: they take no CPU between calls. Where the
// job's rows come from plain arrays, the caller copies them into kernel memory
// a task at a time (READY: rows there so far) while the workers start on them,
// into a ring of a few task-sized slots per array instead of an area the size
// of the batch (the control block holds each task's pointers), and copies each
// finished task's rows out before its slot takes another task's.
import type { Call, Exports } from './exports.js';

/** Int32 slots of the control block. */
const SEQ = 0,
  NEXT = 1,
  TASKS = 2,
  GRAIN = 3,
  COUNT = 4,
  FN = 5,
  NARGS = 6,
  ROWS = 7,
  DONE = 8,
  STOP = 9,
  FAILED = 10;
const ASIDE = 11,
  ASIDE_FLOATS = 12,
  PICKED = 13,
  SHIFT = 14,
  READY = 15,
  FLAGGED = 16,
  /** How many Call arguments take a task's own pointers; then, from MOVED, a pair per such argument: its index, and its stream. */
  NMOVED = 17,
  MOVED = 18;
/** Most arguments that take a task's own pointers: the pairs fill the int32 slots up to ARGS_AT. */
const MAX_MOVED = 7;
/** Float64 arguments start here (byte offset in the block). */
const ARGS_AT = 128;
const MAX_ARGS = 24;
/** Then an Int32 flag per task, set when the task is done (FLAGGED jobs: the
 *  caller copies finished rows out while the last tasks run). */
const FLAGS_AT = ARGS_AT + MAX_ARGS * 8;
/** Most tasks a job over plain arrays may have (a job takes about 16 a thread). */
export const MAX_TASKS = 2048;
/** Then per task of such a job, the pointer of each of its copied arrays (streams). */
const POINTERS_AT = FLAGS_AT + MAX_TASKS * 4;
export const MAX_STREAMS = 8;
export const CONTROL_BYTES = POINTERS_AT + MAX_TASKS * MAX_STREAMS * 4;

/** Tasks a thread whose rows the caller keeps copied in beyond those handed out (Copies). */
const AHEAD = 2;
/** Ring slots per thread of a job over plain arrays: the task it runs, AHEAD
 *  copied in, and one done but not yet copied out (the caller copies between its own tasks). */
export const SLOTS_PER_THREAD = AHEAD + 2;

/** How long the caller waits for a worker that took no task of the job before it calls it dead. */
const UNRESPONSIVE_MS = 30_000;

/** What a worker is given at start (structured-cloned). */
export interface WorkerStart {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: number;
  scratch: number;
  index: number;
}

/** How a job's rows move when the caller copies them (plain arrays): each
 *  copied array (stream) has `slots` slots of a task's rows, task t taking
 *  slot t mod slots, which is free again once task t − slots is copied out. */
export interface Feed {
  slots: number;
  /** Task t's rows [r0, r1) into its slots; writes the pointer the kernel is to take for each stream k at ptrs[at + k]. */
  copyIn(t: number, r0: number, r1: number, ptrs: Int32Array, at: number): void;
  /** Only the pointers (after a throw: the rest of the job computes on whatever its slots hold). */
  place(t: number, r0: number, ptrs: Int32Array, at: number): void;
  /** Rows [r0, r1) of task t's outputs back to the caller's arrays (after the task is done). */
  copyOut(t: number, r0: number, r1: number): void;
}

/** The Call arguments that take a task's pointer of a stream: [index after the Call's name, stream]. */
export type Moved = [number, number][];

/** The names every instance exports, in one order: a job names its function by index. */
export const functionNames = (e: Exports): string[] =>
  Object.keys(e)
    .filter((n) => typeof (e as unknown as Record<string, unknown>)[n] === 'function')
    .sort();

/** What the caller does besides computing when it copies a job's rows (plain
 *  arrays): before each task it takes, `between` copies rows in ahead of the
 *  threads and finished rows out; `upTo` copies in the rows of the task it
 *  took, if no one has yet. */
interface Lead {
  between(): void;
  upTo(task: number): void;
}

/**
 * One thread's share of the job in the control block: tasks taken from NEXT
 * until none is left. Shared by the caller (index 0, with its Lead when it
 * copies the rows) and every worker.
 */
export function takeTasks(e: Exports, fns: string[], memory: WebAssembly.Memory, control: number, index: number, lead?: Lead): void {
  const ctl = new Int32Array(memory.buffer, control, ARGS_AT >> 2);
  const args = Array.from(new Float64Array(memory.buffer, control + ARGS_AT, ctl[NARGS]));
  const f = (e as unknown as Record<string, (...a: number[]) => unknown>)[fns[ctl[FN]]];
  const rows = ctl[ROWS],
    grain = ctl[GRAIN],
    count = ctl[COUNT],
    tasks = ctl[TASKS];
  const asideFloats = ctl[ASIDE_FLOATS];
  const flags = ctl[FLAGGED] ? new Int32Array(memory.buffer, control + FLAGS_AT, tasks) : null;
  const moved = ctl[NMOVED],
    pointers = moved ? new Int32Array(memory.buffer, control + POINTERS_AT, tasks * MAX_STREAMS) : null;
  e.setPartialShift(ctl[SHIFT]);
  if (asideFloats) e.setAside(ctl[ASIDE] + index * asideFloats * 4, asideFloats);
  Atomics.add(ctl, PICKED, 1);
  try {
    for (;;) {
      lead?.between();
      const t = Atomics.add(ctl, NEXT, 1);
      if (t >= tasks) break;
      const r0 = t * grain,
        r1 = Math.min(count, r0 + grain);
      if (lead) lead.upTo(t);
      // Rows the caller is still copying in: wait until they are there.
      else for (let ready = Atomics.load(ctl, READY); ready < r1; ready = Atomics.load(ctl, READY)) Atomics.wait(ctl, READY, ready);
      args[rows] = r0;
      args[rows + 1] = r1;
      for (let j = 0; j < moved; j++) args[ctl[MOVED + 2 * j]] = pointers![t * MAX_STREAMS + ctl[MOVED + 2 * j + 1]];
      f(...args);
      if (flags) {
        Atomics.store(flags, t, 1);
        Atomics.notify(flags, t);
      }
    }
  } finally {
    if (asideFloats) e.setAside(0, 0);
  }
}

/** A worker's loop: wait for a job, take its tasks, count itself done; until STOP. */
export function serve(e: Exports, start: WorkerStart): void {
  const fns = functionNames(e);
  const ctl = new Int32Array(start.memory.buffer, start.control, ARGS_AT >> 2);
  e.setScratch(start.scratch);
  // Jobs are numbered from 1 and none is posted before every worker said it
  // is ready: reading SEQ here instead could miss a job posted meanwhile.
  let seen = 0;
  for (;;) {
    Atomics.wait(ctl, SEQ, seen);
    seen = Atomics.load(ctl, SEQ);
    if (Atomics.load(ctl, STOP)) return;
    try {
      takeTasks(e, fns, start.memory, start.control, start.index);
    } catch {
      Atomics.store(ctl, FAILED, 1);
    }
    Atomics.add(ctl, DONE, 1);
    Atomics.notify(ctl, DONE);
  }
}

/** A started worker, as the pool sees it on either platform. */
export interface PoolWorker {
  /** Ends the thread (after STOP it returns by itself; this is for the rest). */
  terminate(): void;
  /** Whether it exited or failed (reported by its platform's events). */
  readonly gone: boolean;
}

export class Pool {
  readonly threads: number;
  private readonly ctl: Int32Array;
  private readonly args: Float64Array;
  /** Each task's pointers, for jobs over plain arrays (POINTERS_AT). */
  private readonly pointers: Int32Array;
  private readonly fns: string[];
  private broken: string | null = null;

  constructor(
    private readonly e: Exports,
    private readonly memory: WebAssembly.Memory,
    private readonly control: number,
    private readonly workers: PoolWorker[],
  ) {
    this.threads = workers.length + 1;
    this.ctl = new Int32Array(memory.buffer, control, ARGS_AT >> 2);
    this.args = new Float64Array(memory.buffer, control + ARGS_AT, MAX_ARGS);
    this.pointers = new Int32Array(memory.buffer, control + POINTERS_AT, MAX_TASKS * MAX_STREAMS);
    this.fns = functionNames(e);
  }

  /**
   * Runs `c` over rows [0, count) in tasks of `grain` rows (whole blocks of
   * 1 << shift rows) on every thread, with a row of `asideFloats` floats per
   * thread lent at aside (0: none), and returns when every task is done.
   * With a feed, the caller copies the rows in and out, and the arguments
   * `moved` names take each task's pointers (at most MAX_TASKS tasks).
   */
  parallel(c: Call, count: number, grain: number, shift: number, aside = 0, asideFloats = 0, feed?: Feed, moved: Moved = []): void {
    if (this.broken) throw new Error(this.broken);
    const dead = this.workers.findIndex((w) => w.gone);
    if (dead >= 0) {
      this.broken = `simdloss: worker thread ${dead + 1} of the pool exited; call init() again (k.dispose() ends this one)`;
      throw new Error(this.broken);
    }
    const [fn, ...rest] = c;
    const at = rest.indexOf('rows');
    const ctl = this.ctl;
    const argOf = (i: number) => (i < at ? i : i + 1);
    rest.forEach((v, i) => {
      if (v !== 'rows') this.args[argOf(i)] = v;
    });
    if (moved.length > MAX_MOVED) throw new Error(`simdloss: a pool job moves at most ${MAX_MOVED} pointers`);
    ctl[NMOVED] = moved.length;
    moved.forEach(([i, stream], j) => {
      ctl[MOVED + 2 * j] = argOf(i);
      ctl[MOVED + 2 * j + 1] = stream;
    });
    ctl[FN] = this.fns.indexOf(fn);
    ctl[NARGS] = rest.length + 1;
    ctl[ROWS] = at;
    ctl[GRAIN] = grain;
    ctl[COUNT] = count;
    ctl[TASKS] = Math.ceil(count / grain);
    ctl[ASIDE] = aside;
    ctl[ASIDE_FLOATS] = asideFloats;
    ctl[SHIFT] = shift;
    Atomics.store(ctl, NEXT, 0);
    Atomics.store(ctl, DONE, 0);
    Atomics.store(ctl, PICKED, 0);
    Atomics.store(ctl, FAILED, 0);
    Atomics.store(ctl, READY, feed ? 0 : count);
    const tasks = ctl[TASKS];
    if (feed && tasks > MAX_TASKS) throw new Error(`simdloss: a pool job over plain arrays takes at most ${MAX_TASKS} tasks`);
    ctl[FLAGGED] = feed ? 1 : 0;
    const flags = feed ? new Int32Array(this.memory.buffer, this.control + FLAGS_AT, tasks).fill(0) : null;
    Atomics.add(ctl, SEQ, 1);
    Atomics.notify(ctl, SEQ);
    let failed: unknown = null;
    const lead = feed && new Copies(this, ctl, flags!, this.pointers, feed, grain);
    try {
      takeTasks(this.e, this.fns, this.memory, this.control, 0, lead);
      lead?.finish();
    } catch (err) {
      failed = err;
      lead?.release();
    }
    this.waitForWorkers();
    if (failed) throw failed;
    if (Atomics.load(ctl, FAILED)) throw new Error('simdloss: a worker thread failed in a kernel');
  }

  /** Marks the pool broken (a worker stopped answering) and returns the error to throw. */
  stalled(): Error {
    this.broken = 'simdloss: a worker thread of the pool stopped answering; call init() again';
    return new Error(this.broken);
  }

  private waitForWorkers(): void {
    const ctl = this.ctl,
      n = this.workers.length;
    const since = Date.now();
    for (let done = Atomics.load(ctl, DONE); done < n; done = Atomics.load(ctl, DONE)) {
      Atomics.wait(ctl, DONE, done, 100);
      // A worker that never took its part of the job is gone (terminated from outside).
      if (Atomics.load(ctl, PICKED) < n + 1 && Date.now() - since > UNRESPONSIVE_MS) {
        this.broken = 'simdloss: a worker thread of the pool stopped answering; call init() again';
        throw new Error(this.broken);
      }
    }
  }

  /** Stops every worker: they leave their loop and end. */
  dispose(): void {
    Atomics.store(this.ctl, STOP, 1);
    Atomics.add(this.ctl, SEQ, 1);
    Atomics.notify(this.ctl, SEQ);
    for (const w of this.workers) w.terminate();
    this.broken = 'simdloss: this kernel object was disposed; call init() for a new one';
  }
}

/**
 * The caller's copies for a job over plain arrays (a Lead). Rows go in a task
 * at a time, kept AHEAD tasks a thread beyond those handed out (READY tells the
 * workers) as far as the ring's slots allow, and each finished task's rows go
 * out in task order as soon as it is flagged, which frees its slots: both
 * between the caller's own tasks, so that the copies overlap the workers'
 * computing instead of adding to the job's start and end. The caller waits
 * for a slot only where its own next task needs one; the task that holds it
 * was handed out earlier, so some thread finishes it.
 */
class Copies implements Lead {
  /** Tasks whose rows are in, and whose rows are out. */
  private copied = 0;
  private out = 0;
  private readonly tasks: number;
  private readonly count: number;
  private readonly ahead: number;

  constructor(
    private readonly pool: Pool,
    private readonly ctl: Int32Array,
    private readonly flags: Int32Array,
    private readonly pointers: Int32Array,
    private readonly feed: Feed,
    private readonly grain: number,
  ) {
    this.tasks = ctl[TASKS];
    this.count = ctl[COUNT];
    this.ahead = AHEAD * pool.threads;
  }

  between(): void {
    const flags = this.flags;
    while (this.out < this.copied && Atomics.load(flags, this.out)) this.copyOut();
    const handedOut = Math.min(this.tasks, Atomics.load(this.ctl, NEXT));
    while (this.copied < Math.min(this.tasks, handedOut + this.ahead) && this.slotFree()) this.copyIn();
  }

  upTo(task: number): void {
    while (this.copied <= task) {
      while (!this.slotFree()) this.awaitOut();
      this.copyIn();
    }
  }

  /** After the caller's last task: the rows still to go in (for tasks the workers took) and out, in task order. */
  finish(): void {
    while (this.out < this.tasks) {
      if (this.copied < this.tasks && this.slotFree()) this.copyIn();
      else this.awaitOut();
    }
  }

  /** After a throw: every task has pointers and every row counts as there, so no worker waits or reads outside the job's slots. */
  release(): void {
    for (let t = this.copied; t < this.tasks; t++) this.feed.place(t, t * this.grain, this.pointers, t * MAX_STREAMS);
    Atomics.store(this.ctl, READY, this.count);
    Atomics.notify(this.ctl, READY);
  }

  /** Whether the next task's slots are free (its slot's last task is out). */
  private slotFree(): boolean {
    return this.copied - this.out < this.feed.slots;
  }

  /** The oldest task not yet out: copied out once done (waited for). */
  private awaitOut(): void {
    const flags = this.flags;
    const since = Date.now();
    while (!Atomics.load(flags, this.out)) {
      // A worker whose kernel threw never flags its task: say so, as after the job.
      if (Atomics.load(this.ctl, FAILED)) throw new Error('simdloss: a worker thread failed in a kernel');
      if (Atomics.wait(flags, this.out, 0, 100) === 'timed-out' && Date.now() - since > UNRESPONSIVE_MS) throw this.pool.stalled();
    }
    this.copyOut();
  }

  private copyIn(): void {
    const t = this.copied,
      r0 = t * this.grain,
      r1 = Math.min(this.count, r0 + this.grain);
    this.feed.copyIn(t, r0, r1, this.pointers, t * MAX_STREAMS);
    this.copied++;
    Atomics.store(this.ctl, READY, r1);
    Atomics.notify(this.ctl, READY);
  }

  private copyOut(): void {
    const t = this.out,
      r0 = t * this.grain;
    this.feed.copyOut(t, r0, Math.min(this.count, r0 + this.grain));
    this.out++;
  }
}
