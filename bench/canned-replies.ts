/**
 * Fixed PortaBilling replies served by the canned nginx backend: cheap enough that the contender in
 * front of it is the bottleneck, and shaped like the real thing so a proxy that parses replies
 * (the dispatcher on login) accepts them.
 */

function base64url(value: string): string {
  return Buffer.from(value).toString('base64url');
}

/** A JWT-shaped token (unsigned): clients and the dispatcher read `exp` from its payload. */
function cannedJwt(login: string, env: number, ttlSeconds: number): string {
  const now = Math.floor(Date.now() / 1000);
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = base64url(JSON.stringify({ login, realm: 'admin', i_env: env, iat: now, exp: now + ttlSeconds, jti: `bench-${env}` }));
  return `${header}.${payload}.c2ln`;
}

/** Reply to `Session/login` (any credentials). Valid for a day, longer than any bench run. */
export function cannedLoginReply(env: number): string {
  const ttl = 86_400;
  return JSON.stringify({
    session_id: `bench${env}session0000000000000000`,
    access_token: cannedJwt('admin', env, ttl),
    refresh_token: `bench${env}refresh`,
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
