/**
 * A dudect-style constant-time check (Reparaz, Balasch, Verbauwhede, "Dude, is my code constant
 * time?", 2017): two classes of inputs are measured in random interleaved order, the largest
 * measurements are cropped at several percentiles, and Welch's t-test compares the classes.
 * |t| above ~4.5 means the timing depends on the class.
 */

/** Running mean and variance (Welford). */
class Moments {
  n = 0;
  mean = 0;
  m2 = 0;
  push(x: number): void {
    this.n++;
    const d = x - this.mean;
    this.mean += d / this.n;
    this.m2 += d * (x - this.mean);
  }
  get variance(): number {
    return this.n > 1 ? this.m2 / (this.n - 1) : 0;
  }
}

/** Welch's t statistic of two samples. */
export function welchT(a: Moments, b: Moments): number {
  const se = Math.sqrt(a.variance / a.n + b.variance / b.n);
  return se === 0 ? 0 : (a.mean - b.mean) / se;
}

export interface DudectResult {
  /** The largest |t| over the uncropped test and the cropped ones. */
  maxAbsT: number;
  /** |t| per crop percentile (undefined = no crop). */
  byCrop: Array<{ percentile: number | null; t: number }>;
  samples: number;
}

export interface DudectOptions {
  /** Measurements per class. */
  samples: number;
  /** Calls discarded first, so JIT warm-up is not measured. */
  warmup: number;
  /** Calls per measurement (timer resolution). */
  batch: number;
}

/**
 * Measures `run(input)` for inputs drawn from two classes (`makeInput(0 | 1)`), in random order.
 * Inputs are prepared before timing starts.
 */
export async function dudect(
  run: (input: string) => Promise<unknown> | unknown,
  makeInput: (cls: 0 | 1) => string,
  options: DudectOptions,
): Promise<DudectResult> {
  const total = options.samples * 2;
  const classes = new Uint8Array(total);
  for (let i = 0; i < total; i++) classes[i] = i % 2;
  for (let i = total - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    const t = classes[i]!;
    classes[i] = classes[j]!;
    classes[j] = t;
  }
  const inputs: string[][] = [];
  for (let i = 0; i < total; i++) {
    const batch: string[] = [];
    for (let k = 0; k < options.batch; k++) batch.push(makeInput(classes[i] as 0 | 1));
    inputs.push(batch);
  }
  for (let i = 0; i < options.warmup; i++) await run(makeInput((i % 2) as 0 | 1));

  const times = new Float64Array(total);
  for (let i = 0; i < total; i++) {
    const batch = inputs[i]!;
    const start = process.hrtime.bigint();
    for (let k = 0; k < batch.length; k++) await run(batch[k]!);
    times[i] = Number(process.hrtime.bigint() - start);
  }

  const sorted = Float64Array.from(times).sort();
  const percentiles = [null, 0.5, 0.75, 0.9, 0.95, 0.99];
  const byCrop = percentiles.map((p) => {
    const limit = p === null ? Infinity : sorted[Math.floor(p * (sorted.length - 1))]!;
    const a = new Moments();
    const b = new Moments();
    for (let i = 0; i < total; i++) {
      if (times[i]! > limit) continue;
      (classes[i] === 0 ? a : b).push(times[i]!);
    }
    return { percentile: p, t: welchT(a, b) };
  });
  return {
    maxAbsT: Math.max(...byCrop.map((c) => Math.abs(c.t))),
    byCrop,
    samples: options.samples,
  };
}
