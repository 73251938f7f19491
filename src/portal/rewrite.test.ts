import { test } from 'node:test';
import assert from 'node:assert/strict';
import { portalOrigin, rewriteBody, rewriteLocation, rewriteSetCookie } from './rewrite.ts';
import { isHopByHop } from './proxy-headers.ts';

const source = portalOrigin('http://10.0.0.5:3480');
const target = portalOrigin('https://pb-new.example.net/selfcare/');

test('redirects to either system\'s portal become paths on the dispatcher, others are left alone', () => {
  const origins = [target, source];
  assert.equal(rewriteLocation('http://10.0.0.5:3480/home', origins), '/home');
  assert.equal(rewriteLocation('http://10.0.0.5:3480', origins), '/');
  assert.equal(rewriteLocation('http://10.0.0.5:3480?x=1', origins), '/?x=1');
  assert.equal(rewriteLocation('https://pb-new.example.net/selfcare/invoices?page=2', origins), '/invoices?page=2');
  assert.equal(rewriteLocation('//pb-new.example.net/selfcare/home', origins), '/home');
  assert.equal(rewriteLocation('/selfcare/home', origins), '/home', 'a root-relative path under the bound system\'s prefix');
  assert.equal(rewriteLocation('http://10.0.0.5:34805/home', origins), 'http://10.0.0.5:34805/home', 'another port is another site');
  assert.equal(rewriteLocation('https://www.example.org/help', origins), 'https://www.example.org/help');
});

test('Set-Cookie loses its Domain, its Path prefix, and Secure on a plain-HTTP front; the dispatcher\'s own name is dropped', () => {
  assert.equal(rewriteSetCookie('sid=abc; Path=/selfcare/; Domain=pb-new.example.net; Secure; HttpOnly; SameSite=Lax', '/selfcare', false, 'wd_portal'), 'sid=abc; Path=/; HttpOnly; SameSite=Lax');
  assert.equal(rewriteSetCookie('sid=abc; Path=/selfcare/x; Secure', '/selfcare', true, 'wd_portal'), 'sid=abc; Path=/x; Secure');
  assert.equal(rewriteSetCookie('wd_portal=forged; Path=/', '', false, 'wd_portal'), undefined);
});

test('absolute links in pages become root-relative, stopping at URL boundaries', () => {
  const html = '<a href="http://10.0.0.5:3480/home">h</a><a href="http://10.0.0.5:3480">root</a>'
    + '<img src="//10.0.0.5:3480/logo.png"><a href="http://10.0.0.5:34805/x">other</a>'
    + '<form action="https://pb-new.example.net/selfcare/logout"></form><a href="https://10.0.0.5:3480/y">tls</a>';
  assert.equal(rewriteBody(html, [source, target]),
    '<a href="/home">h</a><a href="/">root</a><img src="/logo.png"><a href="http://10.0.0.5:34805/x">other</a>'
    + '<form action="/logout"></form><a href="https://10.0.0.5:3480/y">tls</a>');
});

test('hop-by-hop headers, and those the Connection header names, are not forwarded', () => {
  for (const h of ['Connection', 'keep-alive', 'Transfer-Encoding', 'upgrade', 'TE', 'proxy-authorization']) assert.equal(isHopByHop(h, undefined), true, h);
  assert.equal(isHopByHop('x-secret-hop', 'close, X-Secret-Hop'), true);
  assert.equal(isHopByHop('x-request-id', 'close'), false);
  assert.equal(isHopByHop('content-type', undefined), false);
});
