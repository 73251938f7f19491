import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { parseMultipart } from './multipart.ts';

const CT = 'multipart/form-data; boundary=----b0undary';

function part(name: string, value: Buffer | string, file?: string): Buffer {
  const disposition = file === undefined ? `form-data; name="${name}"` : `form-data; name="${name}"; filename="${file}"\r\nContent-Type: application/octet-stream`;
  return Buffer.concat([Buffer.from(`------b0undary\r\nContent-Disposition: ${disposition}\r\n\r\n`), Buffer.from(value), Buffer.from('\r\n')]);
}
const close = Buffer.from('------b0undary--\r\n');

test('a multipart body without files gives its fields and nothing to forward as multipart', () => {
  const body = Buffer.concat([part('auth_info', '{"session_id":"s"}'), part('params', '{"i_customer":1}'), close]);
  const mp = parseMultipart(body, CT);
  assert.equal(mp.fields.get('params'), '{"i_customer":1}');
  assert.equal(mp.fields.get('auth_info'), '{"session_id":"s"}');
  assert.equal(mp.forBackend, undefined);
});

test('an upload is forwarded with its file bytes intact and the client\'s auth_info part cut out', () => {
  // Binary content with CR/LF and a boundary-like prefix inside it.
  const file = Buffer.concat([randomBytes(3000), Buffer.from('\r\n----b0undar\r\n'), randomBytes(3000)]);
  const params = part('params', '{"i_customer":3}');
  const upload = part('upload_file', file, 'price list.csv');
  const body = Buffer.concat([part('auth_info', '{"session_id":"secret"}'), params, upload, close]);
  const mp = parseMultipart(body, CT);
  assert.ok(mp.forBackend !== undefined);
  assert.deepEqual(mp.forBackend, Buffer.concat([params, upload, close]));
  assert.ok(!mp.forBackend.includes('secret'));
  assert.ok(mp.forBackend.includes(file));
  assert.equal(mp.fields.has('upload_file'), false, 'a file is not a text field');
});

test('a malformed multipart body is refused with a bad-request fault', () => {
  assert.throws(() => parseMultipart(Buffer.from('------b0undary\r\nContent-Disposition: form-data; name="params"\r\n\r\n{}'), CT), /truncated, malformed/);
  assert.throws(() => parseMultipart(Buffer.from('x'), 'multipart/form-data'), /without a boundary/);
});
