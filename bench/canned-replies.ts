/**
 * Fixed PortaBilling replies served by the canned nginx backend: cheap enough that the contender in
 * front of it is the bottleneck, and shaped like the real thing so a proxy that parses replies
 * (the dispatcher on login) accepts them.
 */

function base64url(value: string): string {
  return Buffer.from(value).toString('base64url');
}

/**
 * A token shaped and sized like a PortaBilling (and simulator) access token — the payload's claims,
 * `jti` = the session id, a 43-character HS256 signature — but not verifiable: clients and the
 * dispatcher only read `exp` from its payload. Its size matters to S6 (what a session holds).
 */
function cannedJwt(login: string, env: number, sessionId: string, ttlSeconds: number): string {
  const now = Math.floor(Date.now() / 1000);
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = base64url(JSON.stringify({ iat: now, exp: now + ttlSeconds, jti: sessionId, login, realm: 'admin', i_env: env, aud: 'porta-billing-admin', i_user: 1 }));
  return `${header}.${payload}.${base64url('canned-signature-of-32-bytes-abc')}`;
}

/** Reply to `Session/login` (any credentials). Valid for a day, longer than any bench run. */
export function cannedLoginReply(env: number): string {
  const ttl = 86_400;
  // 32 hex digits, as PortaBilling's session ids and refresh tokens.
  const sessionId = `bench${env}`.padEnd(32, '0').replace(/[^0-9a-f]/g, 'b');
  return JSON.stringify({
    session_id: sessionId,
    access_token: cannedJwt('admin', env, sessionId, ttl),
    refresh_token: sessionId.replace(/0/g, 'f'),
    expires_at: new Date(Date.now() + ttl * 1000).toISOString(),
    expires_in: ttl,
  });
}

/** Reply to `Session/ping`. */
export function cannedPingReply(): string {
  return JSON.stringify({ user_id: 1 });
}

/** Reply to every other call: a typical `Customer/get_customer_info` (~600 bytes, like a real one). */
export function cannedCustomerInfoReply(env: number): string {
  return JSON.stringify({
    customer_info: {
      i_customer: 7, i_env: env, name: 'John Doe', login: 'john', refnum: 'C-0007', companyname: 'Doe Ltd',
      firstname: 'John', lastname: 'Doe', email: 'john@example.com', phone1: '+15551230007',
      iso_4217: 'USD', balance: 12.5, credit_limit: 100, i_customer_type: 1, i_customer_class: 3,
      i_billing_period: 4, bill_status: 'O', blocked: 'N', status: 'active', creation_date: '2024-01-15 10:00:00',
      i_parent: null, i_main_office: null, i_time_zone: 273, i_lang: 'en', country: 'US', city: 'Springfield',
      baddr1: '742 Evergreen Terrace', zip: '49007', send_statistics: 'S', out_date_format: 'YYYY-MM-DD',
    },
  });
}

/** Reply to any `POST /soap/…`: a SOAP 1.1 get_customer_info response (the transport floor for S5). */
export function cannedSoapReply(env: number): string {
  return '<?xml version="1.0" encoding="UTF-8"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" '
    + 'xmlns:ns1="https://pb.example.com/Porta/SOAP/Customer" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">'
    + '<SOAP-ENV:Body><ns1:get_customer_infoResponse><customer_info>'
    + `<i_customer xsi:type="xsd:int">7</i_customer><i_env xsi:type="xsd:int">${env}</i_env><name xsi:type="xsd:string">John Doe</name>`
    + '<login xsi:type="xsd:string">john</login><balance xsi:type="xsd:float">12.5</balance><iso_4217 xsi:type="xsd:string">USD</iso_4217>'
    + '<email xsi:type="xsd:string">john@example.com</email><status xsi:type="xsd:string">active</status>'
    + '</customer_info></ns1:get_customer_infoResponse></SOAP-ENV:Body></SOAP-ENV:Envelope>';
}
