// Bad inputs to `lambda-lab scaffold`.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BadInputCase } from '../../support/badInputTable';

export const cases: BadInputCase[] = [
  { name: 'scaffold with no folder', args: ['scaffold'], exitCode: 2, message: 'scaffold' },
  { name: 'scaffold into an empty name', args: ['scaffold', ''], exitCode: 2, message: 'the folder name is empty' },
  {
    name: 'scaffold into /proc (unwritable) answers at once',
    args: ['scaffold', '/proc/lambda-lab-x'],
    exitCode: 1,
    message: 'Choose a folder you can write to',
    timeoutMs: 10_000,
  },
  {
    name: 'scaffold onto a file',
    args: ['scaffold', '{dir}/file'],
    setup: (dir) => writeFileSync(path.join(dir, 'file'), 'x'),
    exitCode: 1,
    message: 'is a file, not a folder',
  },
  {
    name: 'scaffold over existing files without --force',
    args: ['scaffold', '{dir}'],
    setup: (dir) => writeFileSync(path.join(dir, 'index.mjs'), 'mine'),
    exitCode: 1,
    message: 'would overwrite: index.mjs',
  },
  { name: 'scaffold with two folders', args: ['scaffold', 'a', 'b'], exitCode: 2, message: 'expected one folder' },
];
