import type { SystemName } from '../core/api-call.ts';
import type { BackendClient } from '../backends/backend-client.ts';
import { fetchSystemWsdl, fingerprint } from '../backends/system-wsdl.ts';

export type WsdlFingerprint = { version?: string; sha256: string } | { error: string };

/** How the two systems' copies of one WSDL compare (the API section of a drift report). */
export interface WsdlComparison {
  file: string;
  /** The API version each copy states and the hash of its text with the addresses taken out, or why it could not be read. */
  source: WsdlFingerprint;
  target: WsdlFingerprint;
  /** Both read and equal: same version (when both state one) and same text. */
  same: boolean;
}

/**
 * Both systems' WSDLs of the admin realm, fetched now and compared with their addresses taken
 * out: a system on another API release (a method, a field or a version more) shows as a difference.
 */
export async function compareWsdls(backends: BackendClient, files: readonly string[], requestId: string): Promise<WsdlComparison[]> {
  const print = (system: SystemName, file: string): Promise<WsdlFingerprint> =>
    fetchSystemWsdl(backends, system, 'admin', file, requestId).then((w) => fingerprint(w.text), (err: unknown) => ({ error: (err as Error).message }));
  return Promise.all(files.map(async (file) => {
    const [source, target] = await Promise.all([print('source', file), print('target', file)]);
    const same = 'sha256' in source && 'sha256' in target && source.sha256 === target.sha256 && source.version === target.version;
    return { file, source, target, same };
  }));
}
