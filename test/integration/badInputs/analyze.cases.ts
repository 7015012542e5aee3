// Bad inputs to `lambda-lab analyze`: each says what is wrong, exits non-zero and writes nothing.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BadInputCase } from '../../support/badInputTable';

const HEADER = 'Architecture,Memory,Workers,sk,cores,proc_time';
const record = (fields: Record<string, unknown>) =>
  JSON.stringify({
    runId: 'r',
    functionName: 'f',
    arch: 'arm64',
    memoryMB: 1024,
    threads: 1,
    strategy: 'pool',
    rep: 1,
    warmup: false,
    coldStart: false,
    processingMs: 100,
    durationMs: 100,
    billedMs: 100,
    initMs: null,
    maxMemoryMB: null,
    cores: 2,
    cpuModel: null,
    error: null,
    retries: 0,
    startedAt: '2026-01-01T00:00:00Z',
    endedAt: '2026-01-01T00:00:01Z',
    ...fields,
  });
const run =
  (lines: string[], meta: object | string = { runId: 'r', region: 'us-east-1', plan: { items: 4 } }) =>
  (dir: string) => {
    mkdirSync(join(dir, 'run'));
    writeFileSync(join(dir, 'run', 'run.json'), typeof meta === 'string' ? meta : JSON.stringify(meta));
    writeFileSync(join(dir, 'run', 'invocations.jsonl'), lines.map((l) => l + '\n').join(''));
  };
const csv = (name: string, body: string) => (dir: string) => writeFileSync(join(dir, name), body);

export const cases: BadInputCase[] = [
  { name: 'analyze with nothing', args: ['analyze'], exitCode: 2, message: 'give a run directory' },
  { name: 'analyze a missing path', args: ['analyze', 'nope'], exitCode: 1, message: 'nope: no such file or directory' },
  {
    name: 'analyze an empty folder',
    args: ['analyze', 'empty'],
    setup: (d) => mkdirSync(join(d, 'empty')),
    exitCode: 1,
    message: 'no run (invocations.jsonl), CSV or .jsonl files',
  },
  {
    name: 'analyze a text file',
    args: ['analyze', 'notes.txt'],
    setup: csv('notes.txt', 'hi'),
    exitCode: 1,
    message: 'not a CSV (.csv), invocations (.jsonl) or run.json',
  },
  { name: 'empty invocations.jsonl', args: ['analyze', 'run'], setup: run([]), exitCode: 1, message: 'is empty: the sweep recorded no invocation' },
  { name: 'garbage invocations.jsonl', args: ['analyze', 'run'], setup: run(['hello', 'world']), exitCode: 1, message: /line 1: not valid JSON/ },
  { name: 'record without required fields', args: ['analyze', 'run'], setup: run(['{"a":1}']), exitCode: 1, message: 'field "runId" is missing' },
  { name: 'negative time only', args: ['analyze', 'run'], setup: run([record({ processingMs: -5 })]), exitCode: 1, message: 'processingMs is negative' },
  { name: 'time is a string', args: ['analyze', 'run'], setup: run([record({ processingMs: 'fast' })]), exitCode: 1, message: 'processingMs is not a number' },
  { name: 'memory 1e300', args: ['analyze', 'run'], setup: run([record({ memoryMB: 1e300 })]), exitCode: 1, message: "memoryMB is outside Lambda's range" },
  { name: 'memory below 128', args: ['analyze', 'run'], setup: run([record({ memoryMB: 64 })]), exitCode: 1, message: "memoryMB is outside Lambda's range" },
  { name: 'threads 999', args: ['analyze', 'run'], setup: run([record({ threads: 999 })]), exitCode: 1, message: 'threads is outside 1..64' },
  { name: 'threads 0', args: ['analyze', 'run'], setup: run([record({ threads: 0 })]), exitCode: 1, message: 'threads is outside 1..64' },
  {
    name: 'run.json without invocations',
    args: ['analyze', 'run/run.json'],
    setup: (d) => {
      mkdirSync(join(d, 'run'));
      writeFileSync(join(d, 'run', 'run.json'), '{}');
    },
    exitCode: 1,
    message: 'has no invocations.jsonl beside it',
  },
  { name: 'unknown --region', args: ['analyze', 'run', '--region', 'mars-1'], setup: run([record({})]), exitCode: 2, message: 'known regions: us-east-1' },
  { name: 'bad --arch', args: ['analyze', 'run', '--arch', 'sparc'], setup: run([record({})]), exitCode: 2, message: '--arch must be one of' },
  { name: 'bad --strategy', args: ['analyze', 'run', '--strategy', 'both'], setup: run([record({})]), exitCode: 2, message: '--strategy must be one of' },
  {
    name: 'filter leaves nothing',
    args: ['analyze', 'run', '--arch', 'x86_64'],
    setup: run([record({})]),
    exitCode: 2,
    message: 'after --arch x86_64; drop the filter',
  },
  { name: 'bad --tolerance', args: ['analyze', 'run', '--tolerance', '5'], setup: run([record({})]), exitCode: 2, message: '--tolerance must be a fraction' },
  {
    name: 'bad --min-reps',
    args: ['analyze', 'run', '--simulate-adaptive', '--min-reps', '1'],
    setup: run([record({})]),
    exitCode: 2,
    message: '--min-reps must be a whole number',
  },
  { name: 'CSV with a header only', args: ['analyze', 'a.csv'], setup: csv('a.csv', `${HEADER}\n`), exitCode: 1, message: 'header but no data rows' },
  { name: 'empty CSV', args: ['analyze', 'a.csv'], setup: csv('a.csv', ''), exitCode: 1, message: 'the file is empty' },
  {
    name: 'CSV with 100000 MB only',
    args: ['analyze', 'a.csv'],
    setup: csv('a.csv', `${HEADER}\narm64,100000,1,2022-12-01 10:00:00.000001,2,5\n`),
    exitCode: 1,
    message: "memoryMB is outside Lambda's range",
  },
  {
    name: 'CSV with a text time',
    args: ['analyze', 'a.csv'],
    setup: csv('a.csv', `${HEADER}\narm64,1024,1,x,2,fast\n`),
    exitCode: 1,
    message: 'column "proc_time" is "fast"',
  },
  { name: 'unknown flag', args: ['analyze', 'x', '--bogus'], exitCode: 2, message: 'analyze --help' },
];
