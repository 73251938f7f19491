import type { LocationDirectory } from '../directory/location-directory.ts';

/**
 * Cutovers ended across the cluster, by outcome (`{ commit, abort }`), from the directory's store:
 * every node's dashboard and console show the same figures, whichever node ran the cutovers. A
 * store that cannot answer gives `null` rather than one node's partial count.
 */
export async function clusterCutovers(directory: LocationDirectory): Promise<Record<string, number> | null> {
  try {
    const out: Record<string, number> = {};
    for (const r of await directory.cutoverOutcomes()) out[r.outcome] = (out[r.outcome] ?? 0) + r.n;
    return out;
  } catch {
    return null;
  }
}
