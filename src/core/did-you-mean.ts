/**
 * The known word closest to `given` when it is close enough to be a typo of it: one is a prefix of
 * the other, or few edits apart (optimal string alignment: insert, delete, replace, swap two
 * neighbours), letter case ignored. Used for command-line options and configuration keys alike.
 */
export function closest(given: string, known: readonly string[]): string | undefined {
  const g = given.toLowerCase();
  let best: { word: string; d: number } | undefined;
  for (const word of known) {
    const w = word.toLowerCase();
    const d = w.startsWith(g) || g.startsWith(w) ? 1 : editDistance(g, w);
    if (d <= Math.max(2, Math.floor(word.length / 3)) && (best === undefined || d < best.d)) best = { word, d };
  }
  return best?.word;
}

function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}
