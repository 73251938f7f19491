import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BINDING_MAX_AGE_SECONDS, BindingCookies, cookieHeaderWithout, cookieValue } from './binding-cookie.ts';

test('a binding signed by one node is read by another with the same secret, and by no other secret', () => {
  const a = new BindingCookies('a-shared-secret-of-the-cluster');
  const b = new BindingCookies('a-shared-secret-of-the-cluster');
  const other = new BindingCookies('some-other-secret-entirely');
  const now = 1_800_000_000;
  const value = a.sign({ system: 'target', realm: 'account', iCustomer: 7, iAccount: 19, issuedAt: now });
  assert.deepEqual(b.verify(value, now + 10), { system: 'target', realm: 'account', iCustomer: 7, iAccount: 19, issuedAt: now });
  assert.equal(other.verify(value, now), undefined);
  assert.equal(b.verify(value, now + BINDING_MAX_AGE_SECONDS + 1), undefined, 'too old');
  assert.equal(b.verify(`${value.slice(0, -2)}AA`, now), undefined, 'signature altered');
  assert.equal(b.verify('garbage', now), undefined);
});

test('the binding cookie is HttpOnly and SameSite=Lax, Secure only over TLS', () => {
  const c = new BindingCookies('a-shared-secret-of-the-cluster');
  assert.equal(c.header('v', false), 'wd_portal=v; Path=/; HttpOnly; SameSite=Lax');
  assert.equal(c.header('v', true), 'wd_portal=v; Path=/; HttpOnly; SameSite=Lax; Secure');
});

test('the dispatcher\'s cookie is removed from what a system sees', () => {
  assert.equal(cookieHeaderWithout('a=1; wd_portal=x.y; b=2', 'wd_portal'), 'a=1; b=2');
  assert.equal(cookieHeaderWithout('wd_portal=x', 'wd_portal'), undefined);
  assert.equal(cookieValue('a=1; wd_portal=x.y', 'wd_portal'), 'x.y');
});
