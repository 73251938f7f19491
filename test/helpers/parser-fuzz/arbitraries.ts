import fc from 'fast-check';

/** Mostly `plain`, sometimes (weight `bend` against 10) `bent`; `bend` 0: always `plain`. */
export const or = <T>(bend: number, plain: fc.Arbitrary<T>, bent: fc.Arbitrary<T>): fc.Arbitrary<T> =>
  bend === 0 ? plain : fc.oneof({ weight: 10, arbitrary: plain }, { weight: bend, arbitrary: bent });

/** Arbitraries are built once per parameters (building fc.stringMatching is slow). */
const built = new Map<string, fc.Arbitrary<unknown>>();
export function memo<A extends unknown[], T>(name: string, make: (...args: A) => fc.Arbitrary<T>): (...args: A) => fc.Arbitrary<T> {
  return (...args: A) => {
    const key = `${name}:${JSON.stringify(args)}`;
    let a = built.get(key);
    if (a === undefined) built.set(key, a = make(...args));
    return a as fc.Arbitrary<T>;
  };
}

/**
 * One damage to a valid document: cut short, junk appended, inserted or overwritten at a byte,
 * a byte dropped. `texts` are junk of the format's own syntax, `bytes` broken UTF-8 and the like.
 */
export function damaged(texts: readonly string[], bytes: readonly (readonly number[])[]): (doc: Buffer) => fc.Arbitrary<Buffer> {
  const junk = fc.oneof(fc.constantFrom(...texts.map((s) => Buffer.from(s))), fc.constantFrom(...bytes.map((b) => Buffer.from(b))));
  return (doc) => {
    const at = fc.integer({ min: 0, max: doc.length });
    return fc.oneof(
      at.map((i) => doc.subarray(0, i)),
      junk.map((j) => Buffer.concat([doc, j])),
      fc.tuple(at, junk).map(([i, j]) => Buffer.concat([doc.subarray(0, i), j, doc.subarray(i)])),
      at.map((i) => Buffer.concat([doc.subarray(0, i), doc.subarray(i + 1)])),
      fc.tuple(at, junk).map(([i, j]) => Buffer.concat([doc.subarray(0, i), j, doc.subarray(i + 1)])),
    );
  };
}
