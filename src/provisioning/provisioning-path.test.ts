import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateProvisioningTarget } from './provisioning-path.ts';

test('vendor-style file names are accepted and their MAC is read in any case and separator style', () => {
  const cases: Array<[string, string, string | undefined]> = [
    ['/001565123456.cfg', '/001565123456.cfg', '001565123456'],
    ['/0004F2ABCDEF.xml?ts=1', '/0004F2ABCDEF.xml', '0004f2abcdef'],
    ['/00-15-65-12-34-56.cfg', '/00-15-65-12-34-56.cfg', '001565123456'],
    ['/00:15:65:12:34:56.cfg', '/00:15:65:12:34:56.cfg', '001565123456'],
    ['/cisco/spa001565123456.xml', '/cisco/spa001565123456.xml', '001565123456'],
    ['/y000000000028.cfg', '/y000000000028.cfg', '000000000028'],
    ['/common.cfg', '/common.cfg', undefined],
  ];
  for (const [raw, path, mac] of cases) {
    const r = validateProvisioningTarget(raw);
    assert.ok(r.ok, raw);
    assert.equal(r.path, path, raw);
    assert.equal(r.mac, mac, raw);
  }
});

test('each refused form names its reason', () => {
  const cases: Array<[string, RegExp]> = [
    ['http://evil.example/a.cfg', /absolute URLs/],
    ['//evil.example/a.cfg', /protocol-relative/],
    ['/' + 'a'.repeat(300), /longer than 256/],
    ['/..\\win.ini', /backslashes/],
    ['/%2e%2e/passwd', /encoded path traversal/],
    ['/%252e%252e/passwd', /encoded path traversal/],
    ['/..%5c..%5cwin.ini', /encoded path traversal/],
    ['/%41.cfg', /percent-encoded/],
    ['/../passwd', /path traversal/],
    ['/a/b/c/d/e', /at most 4/],
    ['/.env', /file name may only/],
    ['/a b.cfg', /file name may only/],
  ];
  for (const [raw, reason] of cases) {
    const r = validateProvisioningTarget(raw);
    assert.equal(r.ok, false, raw);
    if (!r.ok) assert.match(r.reason, reason, raw);
  }
});
