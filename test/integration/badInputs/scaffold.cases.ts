// Bad inputs to `lambda-lab scaffold`.
import type { BadInputCase } from '../../support/badInputTable';

export const cases: BadInputCase[] = [
  { name: 'scaffold with no folder', args: ['scaffold'], exitCode: 2, message: 'scaffold' },
];
