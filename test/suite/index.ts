// Entry point VS Code calls inside the extension host (`extensionTestsPath`): runs every compiled
// `*.test.js` under out/test/suite with mocha and resolves only when all tests passed.
// Used unchanged by both launchers: test/harness/runCodeServerTests.ts (code-server + Chromium,
// what CI runs) and test/harness/runElectronTests.ts (@vscode/test-electron, needs a network).
//
// Every test result is printed as one line on the extension host's console *and*, when the
// code-server harness is driving, sent to its bridge (see test/harness/README.md): the remote
// extension host's stdout is not shown anywhere by default, so the bridge is how the harness
// streams progress and learns the counts for its closing "N passed, N failed" line.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type Mocha from 'mocha';
import { harnessBridge, type SuiteResults } from './harnessBridge';

const DEFAULT_TEST_TIMEOUT_MS = 60_000;

export async function run(): Promise<void> {
  // mocha 12 is an ES module; dynamic import works from this CommonJS file on every Node the
  // extension host may run (require(esm) needs Node >= 20.19).
  const { default: MochaClass } = (await import('mocha')) as unknown as { default: typeof Mocha };
  const bridge = harnessBridge();
  const results: SuiteResults = { passed: 0, failed: 0, skipped: 0, failures: [], complete: false };
  const grep = process.env.LAMBDA_LAB_TEST_GREP;
  const mocha = new MochaClass({
    ui: 'tdd',
    color: false,
    timeout: Number(process.env.LAMBDA_LAB_TEST_TIMEOUT_MS) || DEFAULT_TEST_TIMEOUT_MS,
    reporter: lineReporter(results, bridge) as unknown as Mocha.ReporterConstructor,
    ...(grep ? { grep } : {}),
  });

  const testFiles = findTestFiles(__dirname);
  if (testFiles.length === 0) throw new Error(`No *.test.js files found under ${__dirname}. Run "npm run compile-tests" first.`);
  for (const file of testFiles) mocha.addFile(file);

  const failures = await new Promise<number>((resolve, reject) => {
    try {
      mocha.run(resolve);
    } catch (error) {
      reject(error);
    }
  });
  // Deliver the totals before returning: VS Code ends the extension host right after run().
  results.complete = true;
  await bridge?.reportResults(results).catch((error: unknown) => console.error(`Could not report results to the harness: ${String(error)}`));
  if (failures > 0) throw new Error(`${failures} test(s) failed.`);
}

/** Suites that leave an experiment deployed for the session after a restart run last, so the others start from an empty view. */
const RUNS_LAST = /Restart\.test\.js$/;

function findTestFiles(root: string): string[] {
  const files = (fs.readdirSync(root, { recursive: true }) as string[])
    .filter((relative) => relative.endsWith('.test.js'))
    .map((relative) => path.join(root, relative))
    .sort();
  return [...files.filter((file) => !RUNS_LAST.test(file)), ...files.filter((file) => RUNS_LAST.test(file))];
}

/** A mocha reporter that prints one line per test and counts the results into `results`. */
function lineReporter(results: SuiteResults, bridge: ReturnType<typeof harnessBridge>) {
  return class LineReporter {
    constructor(runner: Mocha.Runner) {
      const emit = (line: string): void => {
        console.log(line);
        void bridge?.log(line);
      };
      const progress = (): void => void bridge?.reportResults(results).catch(() => undefined);
      // Mocha's constants are reached through the runner instance's class so that this file
      // needs no value import of mocha (see the dynamic import above).
      const events = (runner.constructor as typeof Mocha.Runner).constants;

      runner.on(events.EVENT_SUITE_BEGIN, (suite: Mocha.Suite) => {
        if (suite.title) emit(`suite: ${suite.fullTitle()}`);
      });
      runner.on(events.EVENT_TEST_PASS, (test: Mocha.Test) => {
        results.passed++;
        emit(`  ok    ${test.fullTitle()} (${test.duration ?? 0} ms)`);
        progress();
      });
      runner.on(events.EVENT_TEST_PENDING, (test: Mocha.Test) => {
        results.skipped++;
        emit(`  skip  ${test.fullTitle()}`);
        progress();
      });
      runner.on(events.EVENT_TEST_FAIL, (test: Mocha.Test, error: Error) => {
        results.failed++;
        const detail = error?.stack ?? String(error);
        results.failures.push({ title: test.fullTitle(), error: detail });
        emit(`  FAIL  ${test.fullTitle()}\n${indent(detail)}`);
        progress();
      });
      runner.once(events.EVENT_RUN_END, () => {
        emit(`suite finished: ${results.passed} passed, ${results.failed} failed, ${results.skipped} skipped`);
      });
    }
  };
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `        ${line}`)
    .join('\n');
}
