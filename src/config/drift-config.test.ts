import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateConfig, ConfigError } from './load-config.ts';

const urls = (p: number) => ({ admin: `http://127.0.0.1:${p}`, reseller: `http://127.0.0.1:${p + 1}`, customer: `http://127.0.0.1:${p + 2}`, account: `http://127.0.0.1:${p + 3}`, portasip: `http://127.0.0.1:${p + 4}` });
const withDrift = (extra: Record<string, unknown>) => ({ systems: { source: { env: 3, urls: urls(9000) }, target: { env: 8, urls: urls(9100) } }, ops: { token: 'ops-token-for-tests' }, sessions: { secret: 'a-session-secret-for-tests' }, ...extra });

function problemsOf(input: unknown): string {
  try {
    validateConfig(input);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems.join('\n');
  }
  assert.fail('the config was accepted');
}

test('drift defaults: hourly, every known type, i_env and timestamps left out; mirrored writes off', () => {
  const c = validateConfig(withDrift({}));
  assert.equal(c.drift.intervalMs, 3_600_000);
  assert.deepEqual(c.drift.entities, ['product', 'customer_class', 'discount_plan', 'volume_discount_plan', 'bundle_promotion', 'subscription']);
  assert.ok(c.drift.excludeFields.includes('i_env'));
  assert.equal(c.drift.pageSize, 500);
  assert.equal(c.routing.mirrorConfigWrites, false);
});

test('drift settings are checked, every problem at once', () => {
  const text = problemsOf(withDrift({
    drift: { intervalMs: 500, entities: ['product', 'tariff'], excludeFields: ['bogus:name', 'a b'], pageSize: 0, extraEntities: [{ name: 'Rate', service: 'rate', idField: 'rate' }] },
    routing: { mirrorConfigWrites: 'yes' },
  }));
  for (const expected of [
    'drift.intervalMs: must be 0 (off) or at least 10000, got 500',
    'drift.entities: unknown type "tariff"',
    'drift.excludeFields: "bogus:name" names an unknown type bogus',
    'drift.excludeFields: "a b" is neither a field name nor type:path',
    'drift.pageSize',
    'drift.extraEntities[0].name', 'drift.extraEntities[0].service', 'drift.extraEntities[0].idField',
    'routing.mirrorConfigWrites: must be true or false',
  ]) assert.ok(text.includes(expected), `missing "${expected}" in:\n${text}`);
});

test('an extra entity type can be compared and excluded from by name; 0 turns the periodic run off', () => {
  const c = validateConfig(withDrift({ drift: { intervalMs: 0, extraEntities: [{ name: 'tariff', service: 'Tariff', idField: 'i_tariff' }], entities: ['tariff', 'product'], excludeFields: ['tariff:last_change', 'i_env'] } }));
  assert.equal(c.drift.intervalMs, 0);
  assert.deepEqual(c.drift.entities, ['tariff', 'product']);
  assert.deepEqual(c.drift.extraEntities, [{ name: 'tariff', service: 'Tariff', idField: 'i_tariff' }]);
  assert.match(problemsOf(withDrift({ drift: { extraEntities: [{ name: 'product', service: 'Product', idField: 'i_product' }] } })), /product named twice/);
});
