// Bad inputs to `lambda-lab sweep --function` (sweeping your own function): every one is refused
// before any network call, so nothing is copied. Refusals that need the target (container image,
// a code location that cannot be downloaded, a VPC function, a function failing on the payload)
// are tested against the endpoints in ownFunctionSweep.test.ts, ownFunctionMoto.test.ts and
// test/unit/ownFunction.test.ts.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BadInputCase } from '../../support/badInputTable';

const base = ['sweep', '--function', 'my-fn', '--local', '--memory', '512', '--reps', '2'];
const payload = (text: string) => (dir: string) => writeFileSync(path.join(dir, 'p.json'), text);
const withPayload = [...base, '--payload', '{dir}/p.json'];

const files = (entries: Record<string, string>) => (dir: string) => {
  for (const [name, text] of Object.entries(entries)) writeFileSync(path.join(dir, name), text);
};

export const cases: BadInputCase[] = [
  {
    name: 'second of several payloads missing',
    setup: payload('{"t":1}'),
    args: [...base, '--payload', '{dir}/p.json,{dir}/q.json'],
    exitCode: 2,
    message: /--payload .*q\.json cannot be read \(ENOENT\)/,
  },
  {
    name: 'second of several payloads not JSON',
    setup: files({ 'p.json': '{"t":1}', 'q.json': '{"t":' }),
    args: [...base, '--payload', '{dir}/p.json', '--payload', '{dir}/q.json'],
    exitCode: 2,
    message: /The payload .*q\.json is not JSON/,
  },
  {
    name: 'typed payload not JSON',
    setup: payload('{"t":1}'),
    args: [...withPayload, '--payload-json', '{"t": 1,}'],
    exitCode: 2,
    message: /The payload json#1 \(--payload-json\) is not JSON/,
  },
  {
    name: 'payload weight zero',
    setup: payload('{"t":1}'),
    args: [...base, '--payload', '{dir}/p.json:0'],
    exitCode: 2,
    message: /the weight "0" of .*p\.json is not a whole number from 1 to 1000/,
  },
  {
    name: 'payload weight not a number',
    setup: payload('{"t":1}'),
    args: [...base, '--payload', '{dir}/p.json:two'],
    exitCode: 2,
    message: /the weight "two" of .*p\.json is not a whole number/,
  },
  {
    name: 'thread field missing in one of several payloads',
    setup: files({ 'p.json': '{"job":{"t":1}}', 'q.json': '{"job":{"n":1}}' }),
    args: [...base, '--payload', '{dir}/p.json,{dir}/q.json', '--threads', '1,2', '--threads-field', 'job.t'],
    exitCode: 2,
    message: /--threads-field job\.t: the payload .*q\.json has no t in job/,
    absent: /p\.json has no/,
  },
  {
    name: 'the same payload twice',
    setup: payload('{"t":1}'),
    args: [...base, '--payload', '{dir}/p.json,{dir}/p.json'],
    exitCode: 2,
    message: /is given twice; give it once, with a weight/,
  },
  {
    name: 'too few repetitions for the payloads',
    setup: files({ 'p.json': '{"t":1}', 'q.json': '{"t":2}' }),
    args: [...base, '--payload', '{dir}/p.json:3,{dir}/q.json'],
    exitCode: 2,
    message: /--reps 2 gives payload .*q\.json no repetition.*use --reps 4 or more/,
  },
  {
    name: 'adaptive sampling with --function',
    setup: payload('{"t":1}'),
    args: [...withPayload, '--adaptive'],
    exitCode: 2,
    message: '--adaptive is not available with --function',
  },
  {
    name: 'payload that is not JSON',
    setup: payload('{"n": 1,'),
    args: withPayload,
    exitCode: 2,
    message: /The payload .*p\.json is not JSON \(.*\)\. Lambda passes the payload/,
  },
  { name: 'payload file empty', setup: payload(''), args: withPayload, exitCode: 2, message: /is empty; it must be a JSON document/ },
  { name: 'payload file missing', args: withPayload, exitCode: 2, message: /--payload .*p\.json cannot be read \(ENOENT\)/ },
  { name: 'no payload', args: base, exitCode: 2, message: "--payload <file.json> (or --payload-json '<json>') is required with --function" },
  {
    name: 'thread field absent from the payload',
    setup: payload('{"job": {"rounds": 10}}'),
    args: [...withPayload, '--threads', '1,2', '--threads-field', 'job.workers'],
    exitCode: 2,
    message: /--threads-field job\.workers: the payload .* has no workers in job\..*must exist/,
  },
  {
    name: 'thread field not a path',
    setup: payload('{}'),
    args: [...withPayload, '--threads', '1', '--threads-field', 'a..b'],
    exitCode: 2,
    message: 'is not a JSON path',
  },
  {
    name: 'threads without a field or variable',
    setup: payload('{}'),
    args: [...withPayload, '--threads', '1,2'],
    exitCode: 2,
    message: '--threads-field <json.path> (a payload field) or --threads-env <NAME>',
  },
  {
    name: 'both a thread field and a thread variable',
    setup: payload('{"t":1}'),
    args: [...withPayload, '--threads', '1', '--threads-field', 't', '--threads-env', 'T'],
    exitCode: 2,
    message: 'either --threads-field or --threads-env, not both',
  },
  {
    name: 'thread variable reserved by Lambda',
    setup: payload('{}'),
    args: [...withPayload, '--threads', '1', '--threads-env', 'AWS_REGION'],
    exitCode: 2,
    message: 'reserved by Lambda',
  },
  {
    name: 'thread field without thread counts',
    setup: payload('{"t":1}'),
    args: [...withPayload, '--threads-field', 't'],
    exitCode: 2,
    message: '--threads-field needs --threads <list>',
  },
  {
    name: 'no memory sizes',
    setup: payload('{}'),
    args: ['sweep', '--function', 'f', '--local', '--reps', '1', '--payload', '{dir}/p.json'],
    exitCode: 2,
    message: '--memory <sizes> is required with --function',
  },
  {
    name: 'template flags do not apply',
    setup: payload('{}'),
    args: [...withPayload, '--items', '5'],
    exitCode: 2,
    message: '--items does not apply to a sweep of your own function',
  },
  {
    name: 'own-function flags without --function',
    args: ['sweep', '--experiment', 'x', '--threads', '1', '--reps', '1', '--payload', 'p.json'],
    exitCode: 2,
    message: '--payload only applies with --function',
  },
];
