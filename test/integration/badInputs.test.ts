// Runs the bad-input table (every test/integration/badInputs/*.cases.js) against the built CLI
// and prints the count by outcome. Each row also checks that nothing was written.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runBadInputCase, startSharedEndpoint, type BadInputCase } from '../support/badInputTable';

const casesDir = path.join(__dirname, 'badInputs');
const tables = readdirSync(casesDir)
  .filter((file) => file.endsWith('.cases.js'))
  .sort()
  .map((file) => ({ area: file.replace(/\.cases\.js$/, ''), cases: (require(path.join(casesDir, file)) as { cases: BadInputCase[] }).cases }));

const tally = { passed: 0, failed: 0, byExitCode: new Map<number | null, number>() };

// Rows that talk to a running endpoint share one `lambda-lab endpoint` process.
let endpoint: { stop(): Promise<void> } | undefined;
before(async () => {
  if (tables.some(({ cases }) => cases.some((c) => c.needsEndpoint))) endpoint = await startSharedEndpoint();
});

for (const { area, cases } of tables) {
  describe(`bad inputs: ${area}`, () => {
    for (const testCase of cases) {
      test(testCase.name, () => {
        const outcome = runBadInputCase(testCase);
        tally.byExitCode.set(outcome.exitCode, (tally.byExitCode.get(outcome.exitCode) ?? 0) + 1);
        if (outcome.ok) tally.passed++;
        else tally.failed++;
        assert.ok(outcome.ok, `${outcome.problems.join('; ')}\n--- output ---\n${outcome.output.slice(0, 2000)}`);
      });
    }
  });
}

after(async () => {
  await endpoint?.stop();
  const codes = [...tally.byExitCode].map(([code, count]) => `exit ${code}: ${count}`).join(', ');
  process.stdout.write(`bad-input table: ${tally.passed + tally.failed} cases, ${tally.passed} as expected, ${tally.failed} not (${codes})\n`);
});
