import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { isApiFault } from '../core/faults.ts';
import type { LoginLimits, LoginThrottle } from './login-throttle.ts';

/** Opens a throttle; throttles opened by one `open` of a shared kind see each other's failures. */
export type OpenThrottle = (limits: LoginLimits) => Promise<LoginThrottle | undefined>;

async function blocked(throttle: LoginThrottle, realm: string, login: string, ip: string): Promise<boolean> {
  try {
    await throttle.check(realm, login, ip);
    return false;
  } catch (err) {
    assert.ok(isApiFault(err), String(err));
    assert.equal(err.faultcode, 'Server.Session.cannot_login_brute_force_activity');
    return true;
  }
}

/** The behaviour every LoginThrottle must have; run against each implementation. */
export function loginThrottleSuite(name: string, open: OpenThrottle, options: { shared: boolean }): void {
  const unique = (): string => `user-${randomBytes(6).toString('hex')}`;
  const ip = (): string => `10.${randomBytes(1)[0]!}.${randomBytes(1)[0]!}.${randomBytes(1)[0]!}`;

  test(`${name}: with a limit of 3, the 4th attempt after 3 failures is refused; other logins are not`, async (t) => {
    const th = await open({ max: 3, windowSeconds: 60 });
    if (th === undefined) return;
    t.after(() => th.close());
    const login = unique();
    const from = ip();
    for (let i = 0; i < 3; i++) {
      assert.equal(await blocked(th, 'admin', login, from), false, `attempt ${i + 1} is allowed`);
      await th.fail('admin', login, from);
    }
    assert.equal(await blocked(th, 'admin', login, from), true, 'the 4th is refused');
    assert.equal(await blocked(th, 'reseller', login, from), false, 'the same name in another realm is another login');
    assert.equal(await blocked(th, 'admin', unique(), from), false, 'another login from the same address');
  });

  test(`${name}: a successful login clears its count`, async (t) => {
    const th = await open({ max: 3, windowSeconds: 60 });
    if (th === undefined) return;
    t.after(() => th.close());
    const login = unique();
    const from = ip();
    for (let i = 0; i < 2; i++) await th.fail('customer', login, from);
    await th.succeed('customer', login);
    for (let i = 0; i < 2; i++) await th.fail('customer', login, from);
    assert.equal(await blocked(th, 'customer', login, from), false, 'only the failures since the success count');
  });

  test(`${name}: one address failing for many logins is refused at five times the limit`, async (t) => {
    const th = await open({ max: 2, windowSeconds: 60 });
    if (th === undefined) return;
    t.after(() => th.close());
    const from = ip();
    for (let i = 0; i < 10; i++) await th.fail('account', unique(), from);
    assert.equal(await blocked(th, 'account', unique(), from), true, 'a fresh login from that address');
    assert.equal(await blocked(th, 'account', unique(), ip()), false, 'another address');
  });

  test(`${name}: failures older than the window no longer count`, async (t) => {
    const th = await open({ max: 1, windowSeconds: 1 });
    if (th === undefined) return;
    t.after(() => th.close());
    const login = unique();
    const from = ip();
    await th.fail('admin', login, from);
    assert.equal(await blocked(th, 'admin', login, from), true);
    await sleep(1100);
    assert.equal(await blocked(th, 'admin', login, from), false);
  });

  if (options.shared) {
    test(`${name}: two nodes share the count — 3 failures split across them block the 4th on either`, async (t) => {
      const a = await open({ max: 3, windowSeconds: 60 });
      const b = await open({ max: 3, windowSeconds: 60 });
      if (a === undefined || b === undefined) return;
      t.after(async () => {
        await a.close();
        await b.close();
      });
      const login = unique();
      const from = ip();
      await a.fail('admin', login, from);
      await b.fail('admin', login, from);
      await a.fail('admin', login, from);
      assert.equal(await blocked(b, 'admin', login, from), true, 'node b refuses after failures seen on both');
      assert.equal(await blocked(a, 'admin', login, from), true);
      await b.succeed('admin', login);
      assert.equal(await blocked(a, 'admin', login, from), false, 'a success on one node clears the count for all');
    });
  }
}
