import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import ts from 'typescript';

/** One import of one source file: the folder under src/ it comes from and the one it reaches. */
export interface ImportEdge {
  file: string;
  from: string;
  to: string;
  spec: string;
}

/** The folder under `src/` a repo-relative path lies in (`src/core/x.ts` → `core`), or undefined outside src/. */
export function layerOf(path: string): string | undefined {
  const parts = normalize(path).split(sep);
  return parts[0] === 'src' && parts.length > 2 ? parts[1] : undefined;
}

/** The project-relative imports of one file's text (static, `export … from`, dynamic `import()`). */
export function importsOf(file: string, text: string): ImportEdge[] {
  const from = layerOf(file);
  if (from === undefined) return [];
  const out: ImportEdge[] = [];
  for (const ref of ts.preProcessFile(text, true, true).importedFiles) {
    const spec = ref.fileName;
    if (!spec.startsWith('.')) continue;
    const target = normalize(join(dirname(file), spec));
    const to = target.split(sep)[0] === 'src' ? (layerOf(target) ?? 'src') : target.split(sep)[0]!;
    if (to !== from) out.push({ file, from, to, spec });
  }
  return out;
}

/** Every non-test TypeScript file under `root/src`, as repo-relative paths. */
export function sourceFiles(root: string, dir = join(root, 'src'), out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sourceFiles(root, p, out);
    else if (name.endsWith('.ts')) out.push(relative(root, p));
  }
  return out;
}

export function readEdges(root: string): ImportEdge[] {
  return sourceFiles(root).flatMap((f) => importsOf(f, readFileSync(join(root, f), 'utf8')));
}
