/** What the dispatcher reads from an auto-login token (it cannot verify it: only the issuer can). */
export interface AutoLoginClaims {
  /** The issuing system's i_env. */
  iEnv: number;
  iCustomer: number;
  realm: 'customer' | 'account';
  iAccount?: number;
}

/**
 * Reads the payload of a PortaBilling-style auto-login token (`<base64url JSON>.<signature>`)
 * without checking the signature: enough to know who it names and which system issued it. The
 * issuing system still verifies it when the link is honoured.
 */
export function readAutoLoginClaims(token: string): AutoLoginClaims | undefined {
  const m = /^([A-Za-z0-9_-]{1,2000})\.[A-Za-z0-9_-]{16,200}$/.exec(token);
  if (!m) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(m[1] ?? '', 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  if (!Number.isSafeInteger(o.i_env) || !Number.isSafeInteger(o.i_customer)) return undefined;
  const realm = o.realm === 'account' ? 'account' : 'customer';
  const out: AutoLoginClaims = { iEnv: o.i_env as number, iCustomer: o.i_customer as number, realm };
  if (Number.isSafeInteger(o.i_account)) out.iAccount = o.i_account as number;
  return out;
}
