import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IpAllowList, isIpOrCidr } from './ip-allow.ts';

test('isIpOrCidr takes addresses and CIDRs of either family within their prefix length', () => {
  for (const ok of ['10.0.0.1', '::1', '2001:db8::7', '10.0.0.0/8', '10.0.0.0/0', '10.0.0.0/32', '2001:db8::/32', '::/128', '192.168.1.0/024']) {
    assert.equal(isIpOrCidr(ok), true, ok);
  }
  for (const bad of ['', 'localhost', '10.0.0', '10.0.0.0/33', '::/129', '10.0.0.0/', '10.0.0.0/x', '10.0.0.0/8x', '10.0.0.0/-1', '10.0.0.0/1234', '/8', '10.0.0.0/8/8', 'a10.0.0.0/8', '10.0.0.0/1e1', '10.0.0.0/8.0', '10.0.0.0/8 ', '::/0x10']) {
    assert.equal(isIpOrCidr(bad), false, bad);
  }
});

test('an allow-list admits exactly its addresses and subnets, per key; a key without a list admits everyone', () => {
  const allow = new IpAllowList({
    admin: ['10.1.2.3', '192.168.0.0/16'],
    'admin:alice': ['2001:db8::/32', '::1'],
    nobody: [],
  });
  assert.equal(allow.allows('admin', '10.1.2.3'), true);
  assert.equal(allow.allows('admin', '10.1.2.4'), false, 'a single address is not a subnet');
  assert.equal(allow.allows('admin', '192.168.77.1'), true);
  assert.equal(allow.allows('admin', '192.169.0.1'), false);
  assert.equal(allow.allows('admin:alice', '2001:db8:1::5'), true);
  assert.equal(allow.allows('admin:alice', '2001:db9::5'), false);
  assert.equal(allow.allows('admin:alice', '::1'), true);
  assert.equal(allow.allows('admin:alice', '::2'), false);
  assert.equal(allow.allows('admin:alice', '10.1.2.3'), false, 'the realm\'s list does not extend the user\'s');
  assert.equal(allow.allows('nobody', '10.1.2.3'), false, 'an empty list admits nobody');
  assert.equal(allow.allows('reseller', '203.0.113.9'), true, 'no list for the key');
  assert.equal(allow.allows('admin:bob', '203.0.113.9'), true);
});

test('an IPv4-mapped IPv6 client address is checked as the IPv4 address it carries', () => {
  const allow = new IpAllowList({ admin: ['10.0.0.0/8', '10.200.0.1'] });
  assert.equal(allow.allows('admin', '::ffff:10.9.8.7'), true);
  assert.equal(allow.allows('admin', '::ffff:11.9.8.7'), false);
  assert.equal(allow.allows('admin', '::ffff:zz'), false, 'not an IPv4 after the prefix: checked as it is');
  assert.equal(allow.allows('admin', '::ffff:10.200.0.1'), true);
});
