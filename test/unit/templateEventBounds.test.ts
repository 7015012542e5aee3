// The template function's bounds on its event: oversized and deeply nested payloads get a clear
// 400-style result (never a throw), and its limits are the core's (one source for both sides).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { COST_MAX, COST_MIN, ITEMS_MAX, ITEMS_MIN, THREADS_MAX, THREADS_MIN } from '../../src/core/experimentValidation';
import { STRATEGIES } from '../../src/core/experimentConfig';

interface TemplateModule {
  handler(event: unknown): Promise<{ statusCode: number; error?: string; errors?: string[] } | null>;
  LIMITS: Record<'items' | 'workers' | 'cost', { min: number; max: number }>;
  STRATEGIES: readonly string[];
  MAX_EVENT_TEXT_BYTES: number;
  MAX_EVENT_DEPTH: number;
}

const repoRoot = path.resolve(__dirname, '../..', __dirname.includes(`${path.sep}out${path.sep}`) ? '..' : '.');
const load = async (): Promise<TemplateModule> => (await import(pathToFileURL(path.join(repoRoot, 'lambda-template', 'index.mjs')).href)) as TemplateModule;

test('a 200 KB deeply nested JSON string is refused with a 400 that says why, not a throw', async () => {
  const template = await load();
  const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
  assert.equal(deep.length, 200_000);
  const result = await template.handler(deep);
  assert.equal(result?.statusCode, 400);
  assert.match(result?.error ?? '', /string of 200000 bytes; at most 16384 are read/);
});

test('deep nesting within the size bound, as a string or as an object, is refused with a 400', async () => {
  const template = await load();
  const text = `${'['.repeat(5000)}${']'.repeat(5000)}`;
  const asString = await template.handler(text);
  assert.equal(asString?.statusCode, 400);
  assert.match(asString?.error ?? '', /must be a JSON object, got \[/);
  let nested: unknown = 1;
  for (let i = 0; i < 50_000; i++) nested = { items: nested };
  const asObject = await template.handler(nested);
  assert.equal(asObject?.statusCode, 400);
  assert.match(asObject?.error ?? '', new RegExp(`nested more than ${template.MAX_EVENT_DEPTH} levels deep`));
  const deepField = await template.handler({ items: JSON.parse(`${'['.repeat(3)}1${']'.repeat(3)}`) });
  assert.equal(deepField?.statusCode, 400);
  assert.match(deepField?.error ?? '', /items must be a whole number from 1 to 10000, got \[\[\[1\]\]\]/);
});

test("the template's limits equal the core's validation bounds", async () => {
  const template = await load();
  assert.deepEqual(template.LIMITS.items, { min: ITEMS_MIN, max: ITEMS_MAX });
  assert.deepEqual(template.LIMITS.workers, { min: THREADS_MIN, max: THREADS_MAX });
  assert.deepEqual(template.LIMITS.cost, { min: COST_MIN, max: COST_MAX });
  assert.deepEqual([...template.STRATEGIES], [...STRATEGIES]);
});
