import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:https';
import { startStack } from '../helpers/stack.ts';

function post(url: string, body: string, ca: Buffer): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', ca, headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('with listen.tls the dispatcher terminates TLS and a client that trusts the certificate logs in', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wd-tls-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  const stack = await startStack(t, { config: { listen: { tls: { certFile: cert, keyFile: key } } } });
  assert.match(stack.url('admin'), /^https:\/\//);
  const r = await post(`${stack.url('admin')}/rest/Session/login`, JSON.stringify({ params: { login: 'admin', password: 'demo-admin' } }), readFileSync(cert));
  assert.equal(r.status, 200);
  assert.equal(typeof r.json.access_token, 'string');
  await assert.rejects(post(`${stack.url('admin')}/rest/Session/ping`, '{}', Buffer.from('')), 'a client that does not trust the certificate is refused');
});
