// Bad inputs to `lambda-lab sweep --replay` and `--refine-memory`.
import type { BadInputCase } from '../../support/badInputTable';

export const cases: BadInputCase[] = [
  {
    name: 'replay of a folder that does not exist',
    args: ['sweep', '--replay', '{dir}/nope', '--memory', '1024', '--threads', '1', '--reps', '2'],
    exitCode: 1,
    message: 'is not a readable folder',
  },
  {
    name: 'replay of a folder without study CSVs',
    args: ['sweep', '--replay', '{dir}', '--memory', '1024', '--threads', '1', '--reps', '2'],
    exitCode: 1,
    message: 'No per-invocation study CSVs',
  },
  {
    name: 'replay together with --local',
    args: ['sweep', '--replay', '{dir}', '--local', '--refine-memory', '--threads', '1'],
    exitCode: 2,
    message: '--local cannot be combined with --replay',
  },
  {
    name: 'replay without --memory or --refine-memory',
    args: ['sweep', '--replay', '{dir}', '--threads', '1', '--reps', '2'],
    exitCode: 2,
    message: '--replay needs --memory',
  },
  {
    name: 'replay of a strategy the study did not measure',
    args: ['sweep', '--replay', '{dir}', '--memory', '1024', '--threads', '1', '--reps', '2', '--strategy', 'pool'],
    exitCode: 2,
    message: 'only --strategy batch',
  },
  {
    name: 'refine-memory with --memory',
    args: ['sweep', '--replay', '{dir}', '--refine-memory', '--memory', '1024', '--threads', '1'],
    exitCode: 2,
    message: 'chooses the sizes itself',
  },
  {
    name: 'refine-memory with a resolution of 0',
    args: ['sweep', '--replay', '{dir}', '--refine-memory', '--resolution', '0', '--threads', '1'],
    exitCode: 2,
    message: '--resolution "0" is not valid',
  },
  {
    name: '--resolution without --refine-memory',
    args: ['sweep', '--experiment', 'x', '--threads', '1', '--reps', '2', '--resolution', '256'],
    exitCode: 2,
    message: 'only applies with --replay <folder> or --refine-memory',
  },
  {
    name: 'replay with --resume',
    args: ['sweep', '--replay', '{dir}', '--resume', '{dir}', '--memory', '1024', '--threads', '1', '--reps', '2'],
    exitCode: 2,
    message: '--resume cannot be combined with --replay',
  },
];
