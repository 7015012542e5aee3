// Runs the compiled node:test files of one kind: `node test/runNodeTests.mjs unit|integration`.
// Finds out/test/<kind>/**/*.test.js itself (node --test treats directories differently across
// Node versions, and fails on a folder that does not exist yet), passes any further arguments to
// `node --test`, and exits with its code. No compiled tests of that kind yet: says so, exits 0.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const KINDS = ['unit', 'integration'];
// A test that hangs must not hang CI: generous per-test limit unless the caller sets one.
const DEFAULT_TEST_TIMEOUT_MS = 10 * 60 * 1000;

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const [kind, ...nodeTestArgs] = process.argv.slice(2);
if (!KINDS.includes(kind)) {
  process.stderr.write(`Usage: node test/runNodeTests.mjs <${KINDS.join('|')}> [node --test options]\n`);
  process.exit(2);
}

const testDir = join(repoRoot, 'out/test', kind);
const files = existsSync(testDir)
  ? readdirSync(testDir, { recursive: true })
      .filter((file) => file.endsWith('.test.js'))
      .map((file) => join(testDir, file))
      .sort()
  : [];

if (files.length === 0) {
  process.stdout.write(`runNodeTests: no ${kind} tests compiled (${relative(repoRoot, testDir)}/**/*.test.js); nothing to run.\n`);
  process.exit(0);
}

const hasTimeout = nodeTestArgs.some((arg) => arg.startsWith('--test-timeout'));
const args = ['--test', ...(hasTimeout ? [] : [`--test-timeout=${DEFAULT_TEST_TIMEOUT_MS}`]), ...nodeTestArgs, ...files];
process.stdout.write(`runNodeTests: ${files.length} ${kind} test file(s)\n`);
const result = spawnSync(process.execPath, args, { cwd: repoRoot, stdio: 'inherit' });
if (result.error) {
  process.stderr.write(`runNodeTests: could not start node --test: ${result.error.message}\n`);
  process.exit(1);
}
process.exit(result.status ?? 1);
