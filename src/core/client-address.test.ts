import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { ClientAddress } from './client-address.ts';

const req = (remote: string, xff?: string) => ({ socket: { remoteAddress: remote }, headers: xff === undefined ? {} : { 'x-forwarded-for': xff } }) as unknown as IncomingMessage;

test('without trusted proxies the socket address is the client, whatever X-Forwarded-For says', () => {
  const a = new ClientAddress([]);
  assert.equal(a.of(req('::ffff:10.0.0.5', '1.2.3.4')), '10.0.0.5');
});

test('behind a trusted balancer the nearest untrusted hop is the client, and a spoofed start of the header is ignored', () => {
  const a = new ClientAddress(['10.0.0.0/24']);
  assert.equal(a.of(req('10.0.0.2', '203.0.113.9')), '203.0.113.9');
  assert.equal(a.of(req('10.0.0.2', '6.6.6.6, 203.0.113.9')), '203.0.113.9', 'the client cannot choose its address by prefixing the header');
  assert.equal(a.of(req('10.0.0.2', '203.0.113.9, 10.0.0.7')), '203.0.113.9', 'trusted hops are skipped');
  assert.equal(a.of(req('198.51.100.1', '203.0.113.9')), '198.51.100.1', 'a header from an untrusted peer is ignored');
  assert.equal(a.of(req('10.0.0.2', 'not-an-ip')), '10.0.0.2');
  assert.equal(a.of(req('10.0.0.2')), '10.0.0.2');
});
