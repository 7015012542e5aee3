// Bad inputs to `lambda-lab export`: a run's own files and existing files are never overwritten.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BadInputCase } from '../../support/badInputTable';
import { writeRunFolder } from '../../support/runFolderFixture';

const run = (dir: string) => void writeRunFolder(path.join(dir, 'run'));

export const cases: BadInputCase[] = [
  {
    name: "out = the run's invocations.jsonl",
    args: ['export', '{dir}/run', '--format', 'csv', '--out', '{dir}/run/invocations.jsonl'],
    setup: run,
    exitCode: 2,
    message: "one of the run's own files",
  },
  {
    name: "out = the run's run.json, even with --force",
    args: ['export', '{dir}/run', '--format', 'json', '--out', '{dir}/run/run.json', '--force'],
    setup: run,
    exitCode: 2,
    message: "one of the run's own files",
  },
  {
    name: 'out = an existing file',
    args: ['export', '{dir}/run', '--format', 'csv', '--out', '{dir}/old.csv'],
    setup: (dir) => {
      run(dir);
      writeFileSync(path.join(dir, 'old.csv'), 'keep me');
    },
    exitCode: 2,
    message: 'already exists; nothing was written',
  },
  { name: 'out = a folder', args: ['export', '{dir}/run', '--format', 'csv', '--out', '{dir}'], setup: run, exitCode: 2, message: 'is a folder' },
  {
    name: 'out in a missing folder',
    args: ['export', '{dir}/run', '--format', 'csv', '--out', '{dir}/nope/x.csv'],
    setup: run,
    exitCode: 2,
    message: 'does not exist',
  },
  { name: 'out empty', args: ['export', '{dir}/run', '--format', 'csv', '--out', ''], setup: run, exitCode: 2, message: '--out is empty' },
  { name: 'format missing', args: ['export', '{dir}/run'], setup: run, exitCode: 2, message: '--format must be csv or json' },
  { name: 'format unknown', args: ['export', '{dir}/run', '--format', 'xml'], setup: run, exitCode: 2, message: 'got "xml"' },
  { name: 'no run given', args: ['export', '--format', 'csv'], exitCode: 2, message: 'give a run directory' },
];
