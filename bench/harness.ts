/**
 * A tiny benchmark harness: runs each case for a fixed number of iterations after a warm-up,
 * interleaving cases over many short rounds so drift on a shared machine hits them all alike. It
 * reports the fastest round's ns per operation (the least disturbed measurement of each case)
 * and the ratio to a baseline case as the median, over rounds, of the ratio within each round:
 * a case and its baseline run back to back, so a slow phase of the machine cancels out.
 */

/** One case: a function to call, sync or async. */
export interface BenchCase {
  readonly name: string;
  readonly fn: () => unknown;
}

/** The result of a case. */
export interface BenchResult {
  readonly name: string;
  /** Nanoseconds per operation in the fastest round. */
  readonly nsPerOp: number;
  /** Nanoseconds per operation in each round, in order. */
  readonly rounds: readonly number[];
}

async function time(fn: () => unknown, iterations: number): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    const result = fn();
    if (result instanceof Promise) await result;
  }
  return Number(process.hrtime.bigint() - start) / iterations;
}

/**
 * Measures `cases` and returns ns/op for each. The first case is the baseline for `report()`.
 *
 * @example
 * const results = await measure([{ name: 'raw', fn: raw }, { name: 'skyport', fn: ours }]);
 * report(results);
 */
export async function measure(
  cases: readonly BenchCase[],
  options: { iterations?: number; rounds?: number; warmup?: number } = {},
): Promise<BenchResult[]> {
  const iterations = options.iterations ?? 5_000;
  const rounds = options.rounds ?? 25;
  for (const c of cases) await time(c.fn, options.warmup ?? 20_000);
  const samples = cases.map(() => [] as number[]);
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < cases.length; i++) samples[i]?.push(await time((cases[i] as BenchCase).fn, iterations));
  }
  return cases.map((c, i) => ({
    name: c.name,
    nsPerOp: Math.min(...(samples[i] as number[])),
    rounds: samples[i] as number[],
  }));
}

/** The median of the per-round ratios of `result` to `base`. */
function pairedRatio(result: BenchResult, base: BenchResult): number {
  const ratios = result.rounds.map((ns, i) => ns / (base.rounds[i] ?? Number.NaN)).sort((a, b) => a - b);
  const middle = ratios.length >> 1;
  return ratios.length % 2 === 1
    ? (ratios[middle] as number)
    : ((ratios[middle - 1] as number) + (ratios[middle] as number)) / 2;
}

/**
 * Prints each result with its ratio to the first (baseline) result, and the target if given.
 *
 * @example
 * report(results, { 'skyport toLambda': 1.25 });
 */
export function report(results: readonly BenchResult[], targets: Readonly<Record<string, number>> = {}): void {
  const base = results[0];
  if (!base) return;
  const width = Math.max(...results.map((r) => r.name.length));
  for (const r of results) {
    const ratio = pairedRatio(r, base);
    const target = targets[r.name];
    const verdict =
      target === undefined
        ? ''
        : ratio <= target
          ? `  (target <= ${target}x: met)`
          : `  (target <= ${target}x: MISSED)`;
    console.log(
      `${r.name.padEnd(width)}  ${(r.nsPerOp / 1000).toFixed(2).padStart(8)} µs/op  ${ratio.toFixed(2)}x${verdict}`,
    );
  }
}
