import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  functionNameFor,
  functionTags,
  identifyExperimentFunction,
  roleNameFor,
  roleTags,
  TAG_CREATED_BY,
  TAG_EXPERIMENT,
} from '../../src/core/experimentNaming';

test('function names carry the experiment, memory and architecture', () => {
  assert.equal(functionNameFor('demo', 1769, 'arm64'), 'llab-demo-1769-arm64');
  assert.equal(functionNameFor('demo', 128, 'x86_64'), 'llab-demo-128-x86_64');
});

test('the longest experiment id (40 characters) still gives a valid Lambda function name', () => {
  const id = 'a'.repeat(40);
  const name = functionNameFor(id, 10240, 'x86_64');
  assert.ok(name.length <= 64, `${name.length} characters`);
  assert.match(name, /^[a-zA-Z0-9-_]+$/);
});

test('an id too long for Lambda names is refused with the limit in the message', () => {
  assert.throws(() => functionNameFor('a'.repeat(60), 10240, 'x86_64'), /64/);
});

test('different memory sizes and architectures never share a name', () => {
  const names = new Set<string>();
  for (const arch of ['x86_64', 'arm64'] as const) for (const mb of [128, 1280, 1769]) names.add(functionNameFor('x', mb, arch));
  assert.equal(names.size, 6);
});

test('tags identify the experiment function again; other experiments and foreign tags do not', () => {
  const tags = functionTags('exp1', 512, 'arm64');
  assert.deepEqual(identifyExperimentFunction('llab-exp1-512-arm64', tags, 'exp1'), { functionName: 'llab-exp1-512-arm64', memoryMB: 512, arch: 'arm64' });
  assert.equal(identifyExperimentFunction('llab-exp1-512-arm64', tags, 'exp2'), null);
  assert.equal(identifyExperimentFunction('f', { [TAG_EXPERIMENT]: 'exp1' }, 'exp1'), null);
  assert.equal(identifyExperimentFunction('f', undefined, 'exp1'), null);
});

test('roles are named per experiment and tagged as ours', () => {
  assert.equal(roleNameFor('demo'), 'lambda-parallel-lab-demo');
  assert.ok(roleNameFor('a'.repeat(40)).length <= 64);
  assert.equal(roleTags('demo')[TAG_CREATED_BY], 'lambda-parallel-lab');
  assert.equal(roleTags('demo')[TAG_EXPERIMENT], 'demo');
});
