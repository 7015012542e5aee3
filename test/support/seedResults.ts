// The original study's CSVs for tests. Two sources:
// - the subset kept in the repository (test/fixtures/seed-results, see its README): always there,
//   so every test runs on a fresh clone;
// - the full study (492 configurations), when present: $LAMBDA_LAB_SEED_DIR, the repo's
//   data/seed-results, or the shared checkout beside the repo. Tests that check a claim about the
//   whole grid run on it in addition, and say so in their name; without it they are not registered.
import { existsSync } from 'node:fs';
import path from 'node:path';

const repoRoot = path.resolve(__dirname, '../..', __dirname.includes(`${path.sep}out${path.sep}`) ? '..' : '.');

/** The subset in the repository: AggregatedResults.csv (all 492 rows) and the 1-thread CSVs of both architectures. */
export const SEED_FIXTURE_DIR = path.join(repoRoot, 'test', 'fixtures', 'seed-results');

/** What the fixture holds, for assertions adapted to it. */
export const SEED_FIXTURE = {
  threads: 1,
  memorySizes: 41,
  invocationsPerConfiguration: 190,
  perConfigurationFiles: 82,
} as const;

/** The full study when it is available, else null. */
export function seedResultsDir(): string | null {
  const candidates = [
    process.env.LAMBDA_LAB_SEED_DIR,
    path.join(repoRoot, 'data', 'seed-results'),
    path.join(repoRoot, '..', 'shared', 'data', 'seed-results'),
  ];
  for (const candidate of candidates) {
    if (candidate && existsSync(path.join(candidate, 'AggregatedResults.csv'))) return candidate;
  }
  return null;
}

/** Test names of full-data variants carry this, so a report shows which claims ran on the whole grid. */
export const FULL_STUDY = 'full study data';
