// Bad inputs to `lambda-lab sweep`: every one is refused before any network call or file write.
import path from 'node:path';
import type { BadInputCase } from '../../support/badInputTable';
import { writeRunFolder } from '../../support/runFolderFixture';

const base = ['sweep', '--experiment', 'x', '--local'];

export const cases: BadInputCase[] = [
  {
    name: 'reps = MAX_SAFE_INTEGER',
    args: [...base, '--threads', '1,2', '--reps', '9007199254740991'],
    exitCode: 2,
    message: /from 1 to 1,000 \(more narrows the confidence interval only with the square root/,
  },
  { name: 'threads 1-64 with a million reps', args: [...base, '--threads', '1-64', '--reps', '1000000'], exitCode: 2, message: 'from 1 to 1,000' },
  {
    name: 'plan over 100,000 invocations',
    args: [...base, '--threads', '1-64', '--reps', '1000', '--strategy', 'both'],
    exitCode: 2,
    message: /at least 128,001 invocations, about .* of sweeping.*Use at most 781 repetitions/,
  },
  { name: 'reps 0', args: [...base, '--threads', '1', '--reps', '0'], exitCode: 2, message: 'repetitions 0 is out of range' },
  { name: 'reps negative', args: [...base, '--threads', '1', '--reps=-3'], exitCode: 2, message: 'out of range' },
  { name: 'reps fractional', args: [...base, '--threads', '1', '--reps', '2.5'], exitCode: 2, message: 'not a whole number' },
  { name: 'reps a word', args: [...base, '--threads', '1', '--reps', 'many'], exitCode: 2, message: 'is not a number' },
  {
    name: 'cost 31 cannot finish within any timeout',
    args: [...base, '--threads', '1', '--reps', '2', '--cost', '31'],
    exitCode: 2,
    message: /bcrypt cost 31 cannot finish within the function's 900 s timeout.*54 ms per hash at cost 10/,
  },
  { name: 'cost 3 below bcrypt range', args: [...base, '--threads', '1', '--reps', '2', '--cost', '3'], exitCode: 2, message: 'bcrypt cost 3 is out of range' },
  { name: 'cost 32 above bcrypt range', args: [...base, '--threads', '1', '--reps', '2', '--cost', '32'], exitCode: 2, message: 'out of range' },
  { name: 'items 0', args: [...base, '--threads', '1', '--reps', '2', '--items', '0'], exitCode: 2, message: 'items 0 is out of range' },
  { name: 'items too many', args: [...base, '--threads', '1', '--reps', '2', '--items', '10001'], exitCode: 2, message: 'out of range' },
  { name: 'threads 0', args: [...base, '--threads', '0', '--reps', '2'], exitCode: 2, message: 'thread count' },
  { name: 'threads 65', args: [...base, '--threads', '65', '--reps', '2'], exitCode: 2, message: 'thread count' },
  { name: 'threads empty', args: [...base, '--threads', '', '--reps', '2'], exitCode: 2, message: 'thread' },
  {
    name: 'strategy unknown',
    args: [...base, '--threads', '1', '--reps', '2', '--strategy', 'turbo'],
    exitCode: 2,
    message: 'strategies must be pool, batch or warm',
  },
  { name: 'missing --experiment', args: ['sweep', '--threads', '1', '--reps', '2', '--local'], exitCode: 2, message: '--experiment <id> is required' },
  { name: 'missing --threads', args: ['sweep', '--experiment', 'x', '--reps', '2', '--local'], exitCode: 2, message: '--threads <list> is required' },
  { name: 'missing --reps', args: ['sweep', '--experiment', 'x', '--threads', '1', '--local'], exitCode: 2, message: '--reps <n> is required' },
  { name: 'bad experiment id', args: ['sweep', '--experiment', 'Bad Id!', '--threads', '1', '--reps', '2', '--local'], exitCode: 2, message: 'experiment id' },
  { name: 'concurrency 0', args: [...base, '--threads', '1', '--reps', '2', '--concurrency', '0'], exitCode: 2, message: 'a whole number from 1 to 64' },
  { name: 'max-cost negative', args: [...base, '--threads', '1', '--reps', '2', '--max-cost-usd=-1'], exitCode: 2, message: 'a dollar amount of 0 or more' },
  {
    name: 'seed out of range',
    args: [...base, '--threads', '1', '--reps', '2', '--seed', '4294967296'],
    exitCode: 2,
    message: 'a whole number from 0 to 4294967295',
  },
  {
    name: 'target-ci without adaptive',
    args: [...base, '--threads', '1', '--reps', '2', '--target-ci', '0.1'],
    exitCode: 2,
    message: 'only apply with --adaptive',
  },
  {
    name: 'adaptive with 1 rep',
    args: [...base, '--threads', '1', '--reps', '1', '--adaptive'],
    exitCode: 2,
    message: '--adaptive needs --reps of at least 2',
  },
  {
    name: 'retry-errors without resume',
    args: [...base, '--threads', '1', '--reps', '2', '--retry-errors'],
    exitCode: 2,
    message: '--retry-errors only applies with --resume',
  },
  {
    name: 'resume with --reps',
    args: ['sweep', '--resume', '{dir}/run', '--reps', '3'],
    setup: (dir) => void writeRunFolder(path.join(dir, 'run')),
    exitCode: 2,
    message: '--reps cannot be combined with --resume',
  },
  { name: 'resume a folder with no run', args: ['sweep', '--resume', '{dir}'], exitCode: 1, message: 'run.json is missing' },
  {
    name: 'resume run.json without plan',
    args: ['sweep', '--resume', '{dir}/run'],
    setup: (dir) => void writeRunFolder(path.join(dir, 'run'), { withoutPlan: true }),
    exitCode: 1,
    message: 'has no usable plan',
  },
];
