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
