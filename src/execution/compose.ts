/**
 * A stage of a chain: does its part, calls `next` for the rest of the chain (or answers on its
 * own without calling it), and may look at or replace what the rest answered.
 */
export type Stage<C, R> = (ctx: C, next: () => Promise<R>) => Promise<R>;

/**
 * Chains stages in order in front of a terminal step. The chain holds no per-call state: each run
 * walks the same array with its own context.
 */
export function compose<C, R>(stages: ReadonlyArray<Stage<C, R>>, terminal: (ctx: C) => Promise<R>): (ctx: C) => Promise<R> {
  const run = (i: number, ctx: C): Promise<R> => {
    if (i === stages.length) return terminal(ctx);
    return stages[i]!(ctx, () => run(i + 1, ctx));
  };
  return (ctx) => run(0, ctx);
}
