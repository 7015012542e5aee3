// Bad inputs to `lambda-lab deploy` (input parsing: refused before any network call).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BadInputCase } from '../../support/badInputTable';

export const cases: BadInputCase[] = [
  {
    name: 'memory preset typo lists the presets',
    args: ['deploy', '--experiment', 'x', '--memory', 'quik', '--local'],
    exitCode: 2,
    message: /neither a preset nor a list of MB\. Presets: quick .*vcpu-steps/,
  },
  { name: 'memory below Lambda minimum', args: ['deploy', '--experiment', 'x', '--memory', '64', '--local'], exitCode: 2, message: 'out of range' },
  { name: 'memory above Lambda maximum', args: ['deploy', '--experiment', 'x', '--memory', '20000', '--local'], exitCode: 2, message: 'out of range' },
  {
    name: 'template is a file',
    args: ['deploy', '--experiment', 'x', '--memory', 'quick', '--template', '{dir}/index.mjs', '--local'],
    setup: (dir) => writeFileSync(path.join(dir, 'index.mjs'), 'x'),
    exitCode: 2,
    message: 'is a file, not a folder',
  },
  {
    name: 'template missing',
    args: ['deploy', '--experiment', 'x', '--memory', 'quick', '--template', '{dir}/nope', '--local'],
    exitCode: 2,
    message: 'does not exist',
  },
  { name: 'memory missing', args: ['deploy', '--experiment', 'x', '--local'], exitCode: 2, message: '--memory is required' },
];
