// Bad inputs to `lambda-lab endpoint`, and a damaged endpoint state file met by a --local command.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BadInputCase } from '../../support/badInputTable';

const damagedState = (text: string) => (dir: string) => writeFileSync(path.join(dir, 'local-endpoint.json'), text);

export const cases: BadInputCase[] = [
  { name: 'endpoint --port -1', args: ['endpoint', '--port', '-1'], exitCode: 2, message: '--port' },
  { name: 'endpoint --port=-1', args: ['endpoint', '--port=-1'], exitCode: 2, message: '--port must be an integer from 0 to 65535, got "-1"' },
  { name: 'endpoint --port abc', args: ['endpoint', '--port', 'abc'], exitCode: 2, message: '--port must be an integer from 0 to 65535, got "abc"' },
  { name: 'endpoint --port 70000', args: ['endpoint', '--port', '70000'], exitCode: 2, message: '--port must be an integer from 0 to 65535, got "70000"' },
  { name: 'endpoint unknown flag', args: ['endpoint', '--bogus'], exitCode: 2, message: 'Unknown option \'--bogus\'. Run "lambda-lab endpoint --help"' },
  {
    name: 'endpoint --cpu-limit typo',
    args: ['endpoint', '--cpu-limit', 'cgroup'],
    exitCode: 2,
    message: '--cpu-limit must be one of auto, cgroup-v2, cgroup-v1, systemd-run, none, got "cgroup"',
  },
  {
    name: 'endpoint --throttle-rate 2',
    args: ['endpoint', '--throttle-rate', '2'],
    exitCode: 2,
    message: '--throttle-rate must be a number from 0 to 1, got "2"',
  },
  {
    name: 'endpoint rates above 1 together',
    args: ['endpoint', '--throttle-rate', '0.6', '--error-rate', '0.6'],
    exitCode: 2,
    message: '--throttle-rate plus --error-rate must not exceed 1',
  },
  { name: 'endpoint --store with no folder', args: ['endpoint', '--store='], exitCode: 2, message: '--store needs a folder' },
  {
    name: 'a --local command with a torn endpoint state file says it is damaged, not "not running"',
    args: ['cleanup', '--experiment', 'x', '--local'],
    setup: damagedState('{"endpoint": "http'),
    env: { LAMBDA_LAB_HOME: '{dir}' },
    exitCode: 1,
    message:
      /endpoint state file .*local-endpoint\.json is damaged \(it is not valid JSON\)\. Stop any running `lambda-lab endpoint` \(Ctrl\+C\), delete that file/,
  },
  {
    name: 'a --local command with a state file lacking credentials says it is damaged',
    args: ['cleanup', '--experiment', 'x', '--local'],
    setup: damagedState('{"endpoint": "http://127.0.0.1:1", "pid": 1}'),
    env: { LAMBDA_LAB_HOME: '{dir}' },
    exitCode: 1,
    message: 'is damaged (it lacks the endpoint address or its credentials)',
  },
];
